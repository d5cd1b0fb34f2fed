"""Everything that translates between languages: C and CUDA frontends to the IR (the only place importing pycparser and tree-sitter)."""
