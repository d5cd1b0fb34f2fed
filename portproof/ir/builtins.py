"""The C/CUDA math builtins the IR may call: name -> (argument types, result type)."""
from __future__ import annotations

from portproof.diagnostics import Unsupported
from portproof.ir.types import F32, F64, ScalarType, arithmetic_result, promote

Signature = tuple[tuple[ScalarType, ...], ScalarType]

# base name -> arity; `name` is the double version, `name + "f"` the float one
_FLOAT_FUNCTIONS = {
    "sqrt": 1, "exp": 1, "exp2": 1, "log": 1, "log2": 1, "log10": 1, "pow": 2, "fabs": 1,
    "sin": 1, "cos": 1, "tan": 1, "tanh": 1, "fmin": 2, "fmax": 2, "fmod": 2,
    "floor": 1, "ceil": 1, "trunc": 1, "rsqrt": 1,
}

BUILTINS: dict[str, Signature] = {}
for _base, _arity in _FLOAT_FUNCTIONS.items():
    BUILTINS[_base] = ((F64,) * _arity, F64)
    BUILTINS[_base + "f"] = ((F32,) * _arity, F32)

# min/max/abs take the usual arithmetic conversions of their arguments (CUDA's overloads)
GENERIC: dict[str, int] = {"min": 2, "max": 2, "abs": 1}


def signature(name: str, arg_types: tuple[ScalarType, ...]) -> Signature:
    """The parameter types the arguments convert to, and the result type, of a call."""
    if name in BUILTINS:
        params, result = BUILTINS[name]
    elif name in GENERIC:
        if len(arg_types) != GENERIC[name]:
            raise Unsupported(f"{name} with {len(arg_types)} arguments")
        common = promote(arg_types[0])
        for t in arg_types[1:]:
            common = arithmetic_result(common, t)
        return (common,) * len(arg_types), common
    else:
        raise Unsupported(f"call to unknown function {name}")
    if len(arg_types) != len(params):
        raise Unsupported(f"{name} with {len(arg_types)} arguments")
    return params, result


def base_name(name: str) -> str:
    """`sqrtf` -> `sqrt`: the operation a float or double builtin computes."""
    if name in BUILTINS and BUILTINS[name][1] == F32:
        return name[:-1]
    return name
