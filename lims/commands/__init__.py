"""Sub-commands of the ``lims`` CLI.

Each module here defines ``command`` (a click command or group); ``lims.cli`` adds
every one it finds, so a new command is one new module. Modules import their
heavy dependencies inside the command functions so ``lims --help`` stays fast.
"""
