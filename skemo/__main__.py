"""``python -m skemo``: the same as the ``skemo`` command."""

if __name__ == "__main__":
    from skemo.cli import main

    raise SystemExit(main())
