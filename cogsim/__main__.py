from cogsim.cli import app

app(prog_name="cogsim")
