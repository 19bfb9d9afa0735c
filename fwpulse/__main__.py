from fwpulse.cli import main

main()
