"""The loop-nest IR alone: nodes, types, mappers, text syntax, interpreter. Imports no parser of C and no solver."""
