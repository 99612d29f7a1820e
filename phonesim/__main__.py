import sys

from phonesim.cli import main

sys.exit(main())
