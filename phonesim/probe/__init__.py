"""`phonesim probe`: one boot as a monitoring check (Nagios/Icinga plugin output, Prometheus
metrics written for the textfile collector or served on a schedule)."""
