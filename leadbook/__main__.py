from leadbook.cli import main

main()
