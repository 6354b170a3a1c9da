import sys

from training_platform.cli import main

sys.exit(main())
