Attribute VB_Name = "Leadbook"
' Ribbon callbacks of the Leadbook add-in: one Sub per button of customUI.xml.
' Each runs one function of the Python module leadbook.excel.macros through
' xlwings' RunPython. The add-in's xlwings module is xlwings_custom_addin.bas,
' so RunPython (and xw.Book.caller() in Python) acts on the active workbook,
' not on the add-in itself.
' "control As Object" rather than IRibbonControl: no reference to the Office
' type library is needed.
Option Explicit

Sub LeadbookQualify(control As Object)
    RunPython "import leadbook.excel.macros as m; m.qualify()"
End Sub

Sub LeadbookRefresh(control As Object)
    RunPython "import leadbook.excel.macros as m; m.refresh()"
End Sub

Sub LeadbookSummary(control As Object)
    RunPython "import leadbook.excel.macros as m; m.summary()"
End Sub

Sub LeadbookHighlight(control As Object)
    RunPython "import leadbook.excel.macros as m; m.highlight()"
End Sub

Sub LeadbookLogTouch(control As Object)
    RunPython "import leadbook.excel.macros as m; m.log_touch()"
End Sub

Sub LeadbookCheck(control As Object)
    RunPython "import leadbook.excel.macros as m; m.check()"
End Sub

Sub LeadbookImport(control As Object)
    RunPython "import leadbook.excel.macros as m; m.import_inbox()"
End Sub

Sub LeadbookCalibrate(control As Object)
    RunPython "import leadbook.excel.macros as m; m.calibrate()"
End Sub

Sub LeadbookNewSheets(control As Object)
    RunPython "import leadbook.excel.macros as m; m.new_sheets()"
End Sub

Sub LeadbookAdopt(control As Object)
    RunPython "import leadbook.excel.macros as m; m.adopt()"
End Sub
