"""One machine per stage of the boot; `machines.MACHINE` says which runs which stage."""
