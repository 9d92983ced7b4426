# Copyright (c) rskd_mm contributors. All rights reserved.
"""Print the versions of the whole stack (for bug reports).

    python tools/misc/collect_env.py
"""
from rskd_mm.utils import collect_env


def main():
    for name, value in collect_env().items():
        print(f'{name}: {value}')


if __name__ == '__main__':
    main()
