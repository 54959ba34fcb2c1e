"""Example flows shipped with the package, for `edaviz demo` outside a checkout."""
