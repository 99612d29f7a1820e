"""A locustfile for plain Locust: `locust -f examples/locust/phonesim_fleet.py ...`.

Needs `pip install 'phonesim[locust]'` on the master and every worker. Every
phonesim option is there as `--phonesim-<option>` (e.g. `--phonesim-phones 2000
--phonesim-rate 200/s --phonesim-lab-endpoints lab.json`); each worker runs one
slice of the fleet, and the master writes phonesim's report to `--phonesim-report`.
"""

from phonesim.locust.bridge import FleetSlice, PhonesimShape

__all__ = ["FleetSlice", "PhonesimShape"]
