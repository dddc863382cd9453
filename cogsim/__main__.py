from cogsim.cli import main

main()
