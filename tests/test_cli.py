"""The CLI end to end on real files: exit codes, messages, and what lands in the workbook."""

import openpyxl
import python_calamine
from typer.testing import CliRunner

from leadbook.cli import app
from leadbook.core import schema as s

runner = CliRunner()
TODAY = "2026-11-23"


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, terminal_width=200)


def values(path, sheet):
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_new_sample_check_refresh_qualify_summary(tmp_path):
    book = tmp_path / "team.xlsx"
    assert run("new", book, "--sample", 200, "--today", TODAY).exit_code == 0
    assert run("check", book, "--today", TODAY).exit_code == 0
    refreshed = run("refresh", book, "--today", TODAY)
    assert refreshed.exit_code == 0 and "Follow-up by owner" in refreshed.stdout
    leads = values(book, s.LEADS)
    follow = leads[0].index(s.FOLLOW_UP)
    assert all(row[follow] for row in leads[1:])
    dry = run("qualify", book, "--today", TODAY, "--dry-run")
    assert "dry run" in dry.stdout and values(book, s.PROSPECTS) == values(book, s.PROSPECTS)
    before = len(values(book, s.PROSPECTS))
    first = run("qualify", book, "--today", TODAY, "--owner", "ana")
    moved = len(values(book, s.PROSPECTS)) - before
    assert first.exit_code == 0 and moved > 0
    log = values(book, s.LOG)
    assert sum(1 for row in log[1:] if row[2] == "Qualified: moved to Prospects" and row[1] == "ana") == moved
    second = run("qualify", book, "--today", TODAY, "--owner", "ana")
    assert "Nothing to change" in second.stdout and len(values(book, s.LOG)) == len(log)
    assert run("summary", book, "--today", TODAY).exit_code == 0
    assert "Summary" in openpyxl.load_workbook(book).sheetnames


def test_check_exits_1_and_names_sheet_row_column(tmp_path):
    book = tmp_path / "bad.xlsx"
    run("new", book, "--sample", 5)
    wb = openpyxl.load_workbook(book)
    wb[s.LEADS]["J3"] = "Perhaps"  # Need
    wb.save(book)
    result = run("check", book)
    assert result.exit_code == 1
    assert (
        "Leads" in result.stdout
        and "3" in result.stdout
        and "Need" in result.stdout
        and "'Perhaps'" in result.stdout
    )


def test_file_errors_exit_2_with_a_message(tmp_path):
    result = run("check", tmp_path / "missing.xlsx")
    assert result.exit_code == 2 and "does not exist" in result.stdout
    book = tmp_path / "open.xlsx"
    run("new", book, "--sample", 5)
    (tmp_path / "~$open.xlsx").write_text("x")
    result = run("refresh", book)
    assert result.exit_code == 2 and "open in Excel" in result.stdout
    (tmp_path / "~$open.xlsx").unlink()
    (tmp_path / ".~lock.open.xlsx#").write_text("x")
    said = " ".join(run("refresh", book).stdout.split())
    assert "open in LibreOffice (.~lock.open.xlsx# exists)" in said and "ribbon" not in said
    csv = tmp_path / "leads.csv"
    csv.write_text("Name\nAna\n")
    result = run("refresh", csv)
    said = " ".join(result.stdout.split())
    assert result.exit_code == 2 and "works on .xlsx and .xlsm files; to bring its leads" in said
    assert "leadbook import BOOK.xlsx leads.csv" in said


def test_bad_settings_stop_qualify_with_the_row(tmp_path):
    book = tmp_path / "s.xlsx"
    run("new", book, "--sample", 5)
    wb = openpyxl.load_workbook(book)
    wb[s.SETTINGS]["B2"] = "lots"
    wb.save(book)
    result = run("qualify", book)
    assert result.exit_code == 1 and "Settings row 2" in result.stdout


def test_demo_builds_and_runs_everything(tmp_path):
    result = run("demo", tmp_path, "--leads", 60)
    assert result.exit_code == 0
    assert "leadbook-demo.xlsx" in result.stdout
    book = tmp_path / "leadbook-demo.xlsx"
    assert "No problems" in result.stdout  # the sample data passes check
    assert len(values(book, s.LEADS)) == 61 and len(values(book, s.LOG)) > 1


def test_adopt_offers_a_table_for_plain_ranges_and_never_makes_one(tmp_path):
    from tests.trackers.shapes import crm_calls

    path = crm_calls(tmp_path)
    result = runner.invoke(app, ["adopt", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Offer: 'CRM', 'Calls', 'Opportunities' are plain ranges" in result.output
    wb = openpyxl.load_workbook(path)
    assert not wb["CRM"].tables and not wb["Calls"].tables  # offered, not forced
    made = tmp_path / "made.xlsx"
    assert runner.invoke(app, ["new", str(made)]).exit_code == 0
    again = runner.invoke(app, ["adopt", str(made)], env={"COLUMNS": "200"})
    assert again.exit_code == 0 and "Offer" not in again.output  # leadbook's own sheets are Tables


def test_a_bare_header_row_is_the_found_leads_sheet_and_an_empty_row_is_named(tmp_path):
    from tests.trackers.shapes import pipeline_row4

    path = pipeline_row4(tmp_path)
    before = path.read_bytes()
    found = runner.invoke(app, ["adopt", str(path), "--header-row", "4", "--dry-run"], env={"COLUMNS": "200"})
    assert found.exit_code == 0, found.output
    leads = next(line for line in found.output.splitlines() if line.startswith("│ Leads"))
    assert [cell.strip() for cell in leads.split("│")[1:4]] == ["Leads", "Pipeline", "4"]
    empty = runner.invoke(app, ["adopt", str(path), "--header-row", "Pipeline=2"], env={"COLUMNS": "200"})
    assert empty.exit_code == 1 and "row 2 holds no headers" in empty.output
    assert path.read_bytes() == before


def test_a_summary_that_changes_nothing_writes_nothing_and_keeps_the_backups(tmp_path):
    """Rebuilt from the same figures, the Summary parts come out as they were: the book is not
    replaced and no backup is made, so five such runs cannot push out the copy from before a
    qualify. A summary with new figures is written (and backed up) as ever."""
    book = tmp_path / "team.xlsx"
    run("new", book, "--sample", 120, "--today", TODAY)
    assert run("summary", book, "--today", TODAY).exit_code == 0
    backups = tmp_path / ".leadbook-backups"
    kept = sorted(p.read_bytes() for p in backups.iterdir())
    stamp = (book.stat().st_mtime_ns, book.stat().st_ino, book.read_bytes())
    again = run("summary", book, "--today", TODAY)
    assert again.exit_code == 0 and "already up to date: nothing written" in " ".join(again.stdout.split())
    assert (book.stat().st_mtime_ns, book.stat().st_ino, book.read_bytes()) == stamp
    assert sorted(p.read_bytes() for p in backups.iterdir()) == kept
    later = run("summary", book, "--today", "2026-12-20")
    assert later.exit_code == 0 and "Rebuilt the Summary sheet" in later.stdout
    assert book.read_bytes() != stamp[2] and len(list(backups.iterdir())) == len(kept) + 1


def test_demo_again_keeps_the_book_that_was_there_and_only_three_such_copies(tmp_path):
    book = tmp_path / "leadbook-demo.xlsx"
    assert run("demo", tmp_path, "--leads", 30).exit_code == 0
    wb = openpyxl.load_workbook(book)
    wb[s.LEADS]["B2"] = "MY IMPORTANT NOTE"
    wb.save(book)
    again = run("demo", tmp_path, "--leads", 30)
    assert again.exit_code == 0 and "is kept as" in again.stdout
    copies = sorted((tmp_path / ".leadbook-backups").glob("leadbook-demo.before-demo-*.xlsx"))
    assert len(copies) == 1
    assert openpyxl.load_workbook(copies[0])[s.LEADS]["B2"].value == "MY IMPORTANT NOTE"
    assert openpyxl.load_workbook(book)[s.LEADS]["B2"].value != "MY IMPORTANT NOTE"  # made again
    for _ in range(3):
        run("demo", tmp_path, "--leads", 30)
    copies = sorted((tmp_path / ".leadbook-backups").glob("leadbook-demo.before-demo-*.xlsx"))
    assert len(copies) == 3


def test_a_today_that_is_no_date_says_so_in_a_sentence(tmp_path):
    book = tmp_path / "team.xlsx"
    run("new", book, "--sample", 5)
    result = runner.invoke(app, ["refresh", str(book), "--today", "2026-13-01"], terminal_width=200)
    said = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "'2026-13-01' is not a date; give it as YYYY-MM-DD, e.g. 2026-03-31" in said
    assert "Value error" not in said and "%Y" not in said
    assert run("refresh", book, "--today", "2026-11-24").exit_code == 0


def test_refresh_on_a_book_without_leads_says_so_instead_of_an_empty_table(tmp_path):
    book = tmp_path / "empty.xlsx"
    assert run("new", book).exit_code == 0
    result = run("refresh", book, "--today", TODAY)
    assert result.exit_code == 0
    assert "No leads on Leads yet: nothing to follow up." in result.stdout
    assert "Follow-up by owner" not in result.stdout
