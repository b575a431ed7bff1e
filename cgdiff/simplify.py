"""Simplification rules for formulas, one function per op.

A formula store builds every node through its ``make``, which calls the rule
of the node's op first: ``rule(f, *args)`` returns an existing or new node
that means the same, or None to keep ``op(args)`` as it is. A rule reads the
store through ``f.op[i]``, ``f.arg0[i]``, ``f.arg1[i]``, ``f.value[i]`` (a
constant's number), ``f.is_const(i, x=None)`` and builds with ``f.make``,
``f.raw`` and ``f.const``; it never recurses (``make`` may call a rule again,
but only on smaller formulas, so the depth is bounded by the rules, not the
program).

Products and quotients: the factors of ``a*b``, ``a/b`` and ``-a`` are
listed (through nested products, quotients, negations and constant powers;
at most ``FACTOR_BUDGET`` nodes of each operand, the rest standing as
factors; remembered per node and store), equal bases merge their exponents
(``x*x^2`` is ``x^3``, ``x^3/x`` is ``x^2``, ``y*s/y`` is ``s``), constants
fold into one coefficient, and where that saves something the product is
written again as ``c*a*b/(d*e^2)`` (a sign goes into a ``-`` factor,
``(y - t)*x`` rather than ``-(t - y)*x``, else onto the first factor:
``-x/y^2``); otherwise it keeps its shape, so a shared part stays shared.
Powers merge only in products of at most ``SMALL_PRODUCT`` bases (a long
product is the adjoint of a chain: writing it again at every level would
make the formulas quadratic). Sums write a negative term as a subtraction
(``a - 2*x``, never ``a + -2*x`` or ``a - -x``) and collect like terms
within ``SUM_BUDGET`` nodes of each side (``3 - x - x`` is ``3 - 2*x``).

Simplifying assumes the point lies in the program's domain (``0/x`` is 0,
``x/x`` is 1). A rule may widen where a formula is defined (``x^3/x`` is
``x^2``, defined at 0) but never narrows it: merged powers of a base that is
0 or negative are defined wherever the factors were, so ``hessian`` and the
round trip do not fail where they did not. Stable forms stay: ``1 -
sigmoid(u)`` is written ``sigmoid(-u)`` (the same number, without the
cancellation that makes ``1 - sigmoid(40)`` zero). ``exp(log(u))``,
``log(exp(u))`` and ``sqrt(u)^2`` are ``u`` (defined at least where they were).
"""

from __future__ import annotations

import math
import weakref

from . import ops

ADD, SUB, MUL, DIV, NEG, POW = ops.ADD, ops.SUB, ops.MUL, ops.DIV, ops.NEG, ops.POW
SIGMOID = ops.FUNCTIONS["sigmoid"]
EXP, LOG, SQRT = ops.FUNCTIONS["exp"], ops.FUNCTIONS["log"], ops.FUNCTIONS["sqrt"]

#: The most nodes one product's factors are looked for in (a constant per
#: node built, however long the program).
FACTOR_BUDGET = 8
#: The most nodes of a sum looked into for like terms.
SUM_BUDGET = 6
#: Products of more bases than this merge no powers (a factor may still
#: cancel) and keep their coefficient outside, ``c*(a*b*d*e)`` (see _build).
SMALL_PRODUCT = 3


# ---------------------------------------------------------------- products

class _Product:
    """A product's factors: ``num/den * prod(base^exponent)``."""

    __slots__ = ("num", "den", "exponent", "gain", "constants", "signs", "unit")

    def __init__(self):
        self.num = 1.0
        self.den = 1.0
        #: base node → its exponent, in the order the bases were met
        self.exponent: dict[int, float] = {}
        #: whether writing it back saves something: a base met twice (merged
        #: or cancelled), two constants (folded), a constant ±1 or a sign that
        #: a constant or another sign absorbs
        self.gain = False
        #: how many constants and signs (NEG) were met, and whether one
        #: constant was ±1
        self.constants = 0
        self.signs = 0
        self.unit = False

    def key(self) -> tuple:
        """What two like terms share: their bases and exponents."""
        return tuple(sorted(self.exponent.items()))


class _Memo:
    """What the rules remember about one store's nodes."""

    __slots__ = ("products", "terms", "sums")

    def __init__(self):
        #: node → its own factors (a _Product; None: a constant unusable)
        self.products: dict = {}
        #: a sum's term → (its factors, their key)
        self.terms: dict = {}
        #: a sum → the keys of its terms (None: too many to look at)
        self.sums: dict = {}


_MEMO: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


_last: list = [lambda: None, None]  # (a weak reference to the last store, its memo)


def _memo(f) -> _Memo:
    if _last[0]() is f:
        return _last[1]
    memo = _MEMO.get(f)
    if memo is None:
        memo = _MEMO[f] = _Memo()
    _last[0], _last[1] = weakref.ref(f), memo
    return memo


def _term_memo(f) -> dict:
    return _memo(f).terms


def _own_factors(f, products: dict, top: int) -> _Product | None:
    """The factors of node ``top`` alone (remembered): through products,
    quotients, signs and constant powers, at most FACTOR_BUDGET nodes (the
    rest of a longer product are factors as they stand, so the work per node
    built is bounded however long a chain gets)."""
    if top in products:
        return products[top]
    op, arg0, arg1, value = f.op, f.arg0, f.arg1, f.value
    CONST = ops.CONST
    p = _Product()
    exponent = p.exponent
    stack = [(top, 1.0)]
    seen = 0
    while stack:
        i, m = stack.pop()
        seen += 1
        if seen > FACTOR_BUDGET:
            # The rest, left to right, as factors that stand as they are.
            exponent[i] = exponent.get(i, 0.0) + m
            while stack:
                i, m = stack.pop()
                exponent[i] = exponent.get(i, 0.0) + m
            break
        o = op[i]
        if o is CONST:
            x = value[i]
            p.constants += 1
            if x == 1 or x == -1:
                p.unit = True
            if m > 0:
                p.num *= x
            elif x == 0:
                p = None
                break
            else:
                p.den *= x
        elif o is MUL:
            stack.append((arg1[i], m))
            stack.append((arg0[i], m))
        elif o is DIV:
            stack.append((arg1[i], -m))
            stack.append((arg0[i], m))
        elif o is NEG:
            p.num = -p.num
            p.signs += 1
            stack.append((arg0[i], m))
        else:
            if o is POW and op[arg1[i]] is CONST:
                base, e = arg0[i], m * value[arg1[i]]
            else:
                base, e = i, m
            exponent[base] = exponent.get(base, 0.0) + e
    if p is not None and not (math.isfinite(p.num) and math.isfinite(p.den)):
        p = None
    products[top] = p
    return p


_PRODUCTS = (MUL, DIV, NEG, ops.CONST)


def _may_gain(f, a: int, b: int) -> bool:
    """Whether ``a*b`` or ``a/b`` may save something written again (a quick
    look at both factors' remembered factors, before they are combined)."""
    products = _memo(f).products
    parts = []
    for i in (a, b):
        o = f.op[i]
        if o in _PRODUCTS or o is POW:
            own = _own_factors(f, products, i)
            if own is None:
                return False
            parts.append(own)
        else:
            parts.append(None)
    pa, pb = parts
    if pa is None:
        return pb is not None and (a in pb.exponent or pb.unit or pb.constants >= 2
                                   or pb.signs >= 2 or (pb.signs and pb.constants))
    if pb is None:
        return b in pa.exponent or pa.unit or pa.constants >= 2 or pa.signs >= 2 \
            or (pa.signs and pa.constants)
    constants, signs = pa.constants + pb.constants, pa.signs + pb.signs
    if constants >= 2 or signs >= 2 or (signs and constants) or pa.unit or pb.unit:
        return True
    small, large = (pa, pb) if len(pa.exponent) <= len(pb.exponent) else (pb, pa)
    return any(base in large.exponent for base in small.exponent)


def _factors(f, items, sign: float = 1.0) -> _Product | None:
    """The factors of the product of ``items`` ((node, +1 or -1) pairs, -1 a
    divisor), with ``gain`` set where writing them back saves something; None
    where a constant is unusable (0 as a divisor, overflow)."""
    products = _memo(f).products
    parts = []
    for top, m in items:
        o = f.op[top]
        if o in _PRODUCTS or o is POW:
            own = _own_factors(f, products, top)
            if own is None:
                return None
        else:  # one plain factor
            own = None
        parts.append((top, m, own))
    product = _Product()
    product.num = sign
    exponent = product.exponent
    cancelled = merged = False
    for top, m, own in parts:
        if own is None:
            found = ((top, 1.0),)
        else:
            found = own.exponent.items()
            product.constants += own.constants
            product.signs += own.signs
            product.unit = product.unit or own.unit
            if m > 0:
                product.num *= own.num
                product.den *= own.den
            else:
                if own.num == 0:
                    return None
                product.num *= own.den
                product.den *= own.num
        for base, e in found:
            e *= m
            old = exponent.get(base)
            if old is None:
                exponent[base] = e
            else:
                if (old > 0) != (e > 0):
                    cancelled = True  # y*s/y, x^3/x
                else:
                    merged = True  # x*x^2
                if not math.isfinite(old + e):
                    return None  # x^1e308*x^1e308: left as it is
                exponent[base] = old + e
    if product.den < 0:
        product.num, product.den = -product.num, -product.den
    constants, signs = product.constants, product.signs
    if constants >= 2 or signs >= 2 or (signs and constants) or cancelled or product.unit:
        product.gain = True
    elif merged and len(exponent) <= SMALL_PRODUCT:
        # Merging x*...*x^2 in a long product would write all of it again:
        # a shared part (the adjoint of a chain) would no longer be shared.
        product.gain = True
    if not (math.isfinite(product.num) and math.isfinite(product.den)):
        return None
    return product


def _coefficient(num: float, den: float) -> tuple[float, float]:
    """num/den as one number where that is exact (6/2 = 3, 1/4 = 0.25),
    else (num, den) as they are (x/3 stays a division)."""
    if den == 1:
        return num, 1.0
    from fractions import Fraction  # here, not at start-up: decimal comes with it

    q = num / den
    if math.isfinite(q) and q != 0 and Fraction(q) == Fraction(num) / Fraction(den):
        return q, 1.0
    return num, den


def _flip(f, i: int) -> int:
    """``b - a`` for the subtraction ``a - b``."""
    return f.raw(SUB, f.arg1[i], f.arg0[i])


def _chain(f, nodes: list[int]) -> int:
    node = nodes[0]
    for k in nodes[1:]:
        node = f.raw(MUL, node, k)
    return node


def _build(f, p: _Product, num: float | None = None) -> int:
    """The written form of ``p`` (with ``num`` as its numerator constant, if
    given): ``c*a*b/(d*e^2)``. Built with ``raw`` only: no rule runs again."""
    num = p.num if num is None else num
    if num == 0:
        return f.const(0)
    top: list[int] = []
    bottom: list[int] = []
    for base, e in p.exponent.items():
        if e == 0:
            continue  # x/x: cancelled
        power = base if abs(e) == 1 else f.raw(POW, base, f.const(abs(e)))
        (top if e > 0 else bottom).append(power)
    c, den = _coefficient(num, p.den)
    if c < 0:
        # A sign goes into a subtraction where there is one, (y - t)*x, else
        # onto the coefficient or the first factor: -2*x, -x/y.
        for where in (top, bottom):
            for k, node in enumerate(where):
                if f.op[node] is SUB:
                    where[k] = _flip(f, node)
                    c = -c
                    break
            if c > 0:
                break
    if c == 1 and top:
        numerator = _chain(f, top)
    elif len(top) + len(bottom) > SMALL_PRODUCT:
        # A long product keeps its coefficient outside, c*(a*b*...): another
        # coefficient changes one node, not the whole chain.
        numerator = f.raw(NEG, _chain(f, top)) if c == -1 and top \
            else f.raw(MUL, f.const(c), _chain(f, top)) if top else f.const(c)
    elif c == -1 and top:
        numerator = _chain(f, [f.raw(NEG, top[0]), *top[1:]])
    else:
        numerator = _chain(f, [f.const(c), *top])
    if den != 1:
        bottom.insert(0, f.const(den))
    if not bottom:
        return numerator
    return f.raw(DIV, numerator, _chain(f, bottom))


def _simplify_product(f, items, sign: float = 1.0) -> int | None:
    """The written form of a product where it saves something (else None:
    the product keeps its shape, and a shared part stays shared)."""
    p = _factors(f, items, sign)
    if p is None or not p.gain:
        return None
    return _build(f, p)


def _plain_factor(f, i: int) -> bool:
    """Whether ``i`` is one factor: no product, quotient, sign, constant or
    constant power to look into."""
    o = f.op[i]
    return o not in _PRODUCTS and not (o is POW and f.op[f.arg1[i]] is ops.CONST)


def _negated(f, i: int) -> int | None:
    """``-i`` where ``i`` is written with a minus sign in front (``-x``,
    ``-2*x``, ``-x/y``, a negative constant), else None."""
    o = f.op[i]
    if o is NEG:
        return f.arg0[i]
    if o is ops.CONST:
        return f.const(-f.value[i]) if f.value[i] < 0 else None
    if o is MUL or o is DIV:
        # The sign of a written product is on its first factor: look there first.
        k, steps = i, 0
        while f.op[k] is MUL or f.op[k] is DIV:
            k, steps = f.arg0[k], steps + 1
            if steps > FACTOR_BUDGET:
                return None
        if f.op[k] is NEG or (f.op[k] is ops.CONST and f.value[k] < 0):
            p = _factors(f, [(i, 1)])
            if p is not None and p.num < 0:
                return _build(f, p, -p.num)
    return None


def _term(f, terms: dict, t: int):
    """A term's numerator constant and a key that like terms share (the
    other factors, as they are written: ``-2*x*y`` is (-2, (x, y))),
    remembered per store in ``terms``: a sum asks for each of its terms
    again whenever a term is added."""
    found = terms.get(t)
    if found is None:
        op, arg0, arg1 = f.op, f.arg0, f.arg1
        c, factors, i = 1.0, [], t
        for _ in range(FACTOR_BUDGET):
            o = op[i]
            if o is NEG:
                c, i = -c, arg0[i]
            elif o is MUL:
                factors.append(arg1[i])
                i = arg0[i]
            elif o is DIV:
                factors.append(("/", arg1[i]))
                i = arg0[i]
            elif o is ops.CONST:
                c *= f.value[i]
                break
            else:
                factors.append(i)
                break
        else:
            c, factors = 1.0, [t]  # too long to look into: a term as it stands
        factors.reverse()
        found = terms[t] = (c, tuple(factors)) if factors else (None, None)
    return found


_CONSTANT = ("constant",)


def _sum_keys(f, memo: _Memo, i: int):
    """The keys of the terms of ``i`` (a frozenset; a constant term's is
    _CONSTANT), or None for a sum of more than SUM_BUDGET nodes."""
    o = f.op[i]
    if o is ops.CONST:
        return frozenset((_CONSTANT,))
    if o is not ADD and o is not SUB:
        key = _term(f, memo.terms, i)[1]
        return None if key is None else frozenset((key,))
    if i in memo.sums:
        return memo.sums[i]
    keys, stack, seen = set(), [i], 0
    while stack:
        t = stack.pop()
        o = f.op[t]
        seen += 1
        if seen > SUM_BUDGET:
            keys = None
            break
        if o is ADD or o is SUB:
            stack.append(f.arg1[t])
            stack.append(f.arg0[t])
        elif o is ops.CONST:
            keys.add(_CONSTANT)
        else:
            key = _term(f, memo.terms, t)[1]
            if key is None:
                keys = None
                break
            keys.add(key)
    found = memo.sums[i] = None if keys is None else frozenset(keys)
    return found


def _plain_sum(f, op, a: int, b: int) -> int:
    """``a op b`` as it stands, with the keys of its terms remembered."""
    node = f.raw(op, a, b)
    memo = _memo(f)
    if node not in memo.sums:
        ka, kb = _sum_keys(f, memo, a), _sum_keys(f, memo, b)
        memo.sums[node] = None if ka is None or kb is None or len(ka) + len(kb) > SUM_BUDGET \
            else ka | kb
    return node


def _collect(f, a: int, b: int, sign: float) -> int | None:
    """``a + sign*b`` with like terms collected over both sums (at most
    SUM_BUDGET nodes of each are looked into): ``3 - x - x`` is ``3 - 2*x``,
    ``5*x^2 - 2*x^2 + y`` is ``3*x^2 + y``; None where no two terms are alike
    (and at most one is a constant)."""
    op, arg0, arg1 = f.op, f.arg0, f.arg1
    whole = _memo(f)
    ka = _sum_keys(f, whole, a)
    if ka is None:
        return None
    kb = _sum_keys(f, whole, b)
    if kb is None or ka.isdisjoint(kb):
        return None  # no two terms alike, at most one constant
    memo = whole.terms
    terms: dict = {}  # key → [coefficient, first node, its own constant, count, its sign]
    constant, constants, gain = 0.0, 0, False
    for top, top_sign in ((a, 1.0), (b, sign)):
        stack, seen = [(top, top_sign)], 0
        while stack:
            t, s = stack.pop()
            o = op[t]
            seen += 1
            if (o is ADD or o is SUB) and seen <= SUM_BUDGET:
                stack.append((arg1[t], s if o is ADD else -s))
                stack.append((arg0[t], s))
                continue
            if o is ops.CONST:
                constant += s * f.value[t]
                constants += 1
                continue
            c, key = _term(f, memo, t)
            if key is None:
                return None
            entry = terms.get(key)
            if entry is None:
                terms[key] = [s * c, t, c, 1, s]
            else:
                entry[0] += s * c
                entry[3] += 1
                gain = True
    if not gain and constants < 2:
        return None
    if not math.isfinite(constant):
        return None
    pieces: list[tuple[int, bool]] = []  # (node, subtracted)
    for c, node, first, count, s in terms.values():
        if c == 0:
            continue
        if count == 1:  # as it stands: a - x, or a - y for a + -y
            pieces.append((f.arg0[node], s > 0) if f.op[node] is NEG else (node, s < 0))
            continue
        p = _factors(f, [(node, 1)])
        if p is None or p.num == 0:
            return None
        num = c if p.num == first else p.num * (c / first)
        pieces.append((_build(f, p, abs(num)), num < 0))
    if constant != 0:
        pieces.append((f.const(abs(constant)), constant < 0))
    if not pieces:
        return f.const(0)
    first = next((k for k, (_, minus) in enumerate(pieces) if not minus), 0)
    node, minus = pieces.pop(first)
    total = f.make(NEG, node) if minus else node
    for node, minus in pieces:
        total = f.raw(SUB if minus else ADD, total, node)
    return total


# ---------------------------------------------------------------- rules

def _add_rule(f, a: int, b: int):
    if f.is_const(a, 0):
        return b
    if f.is_const(b, 0):
        return a
    minus_b = _negated(f, b)
    if minus_b is not None:  # a + -2*x = a - 2*x
        return f.make(SUB, a, minus_b)
    minus_a = _negated(f, a)
    if minus_a is not None:  # -x + b = b - x
        return f.make(SUB, b, minus_a)
    like = _collect(f, a, b, 1.0)
    if like is not None:  # x + x = 2*x, (x + 1) + 2 = x + 3
        return like
    if f.is_const(a):
        return f.make(ADD, b, a)  # constants to the right: x + 1
    if f.is_const(b) and f.op[a] in (ADD, SUB) and f.is_const(f.arg1[a]):
        # (x + c1) + c2 and (x - c1) + c2: one constant
        c1 = f.value[f.arg1[a]] if f.op[a] is ADD else -f.value[f.arg1[a]]
        return f.make(ADD, f.arg0[a], f.const(c1 + f.value[b]))
    return _plain_sum(f, ADD, a, b)


def _sub_rule(f, a: int, b: int):
    if f.is_const(b, 0):
        return a
    if f.is_const(a, 0):
        return f.make(NEG, b)
    if a == b:
        return f.const(0)
    minus_b = _negated(f, b)
    if minus_b is not None:  # a - -x = a + x
        return f.make(ADD, a, minus_b)
    if f.is_const(a, 1) and f.op[b] is SIGMOID:
        # 1 - sigmoid(u) = sigmoid(-u): the same number, without the
        # cancellation (1 - sigmoid(40) is 0 in float64).
        return f.make(SIGMOID, f.make(NEG, f.arg0[b]))
    if f.is_const(b) and f.op[a] in (ADD, SUB) and f.is_const(f.arg1[a]):
        c1 = f.value[f.arg1[a]] if f.op[a] is ADD else -f.value[f.arg1[a]]
        return f.make(ADD, f.arg0[a], f.const(c1 - f.value[b]))
    like = _collect(f, a, b, -1.0)
    if like is not None:  # 3*x - x = 2*x
        return like
    return _plain_sum(f, SUB, a, b)


def _mul_rule(f, a: int, b: int):
    op = f.op
    oa, ob = op[a], op[b]
    CONST = ops.CONST
    if oa is CONST or ob is CONST:
        c, other = (f.value[a], b) if oa is CONST else (f.value[b], a)
        if c == 0:
            return f.const(0)
        if c == 1:
            return other
        if c == -1:
            return f.make(NEG, other)
    if ob is DIV and f.is_const(f.arg0[b], 1):  # x*(1/y) = x/y (y may cancel there)
        return f.make(DIV, a, f.arg1[b])
    if oa is DIV and f.is_const(f.arg0[a], 1):
        return f.make(DIV, b, f.arg1[a])
    if not (_plain_factor(f, a) and _plain_factor(f, b)) and _may_gain(f, a, b):
        p = _factors(f, [(a, 1), (b, 1)])
        if p is not None and p.gain:
            return _build(f, p)
    # Nothing to merge, fold or cancel: the local rules.
    if ob is CONST:
        return f.make(MUL, b, a)  # constants to the left: 2*x
    if oa is NEG:
        return f.make(NEG, f.make(MUL, f.arg0[a], b))
    if ob is NEG:
        return f.make(NEG, f.make(MUL, a, f.arg0[b]))
    if a == b:
        return f.make(POW, a, f.const(2))
    return None


def _div_rule(f, a: int, b: int):
    if f.is_const(b, 1):
        return a
    if f.is_const(a, 0):
        return f.const(0)
    if a == b:
        return f.const(1)
    if not (_plain_factor(f, a) and _plain_factor(f, b)) and _may_gain(f, a, b):
        p = _factors(f, [(a, 1), (b, -1)])
        if p is not None and p.gain:
            return _build(f, p)
    if f.op[a] is NEG:
        return f.make(NEG, f.make(DIV, f.arg0[a], b))
    if f.op[b] is NEG:
        return f.make(NEG, f.make(DIV, a, f.arg0[b]))
    return None


def _neg_rule(f, a: int):
    o = f.op[a]
    if o is NEG:
        return f.arg0[a]
    if o is SUB:
        return _flip(f, a)
    if o is MUL or o is DIV:
        # -(2*x) is -2*x and -((t - y)*x) is (y - t)*x: the sign goes in.
        p = _factors(f, [(a, 1)], -1.0)
        if p is not None and (p.gain or abs(p.num) != 1 or p.den != 1
                              or len(p.exponent) <= SMALL_PRODUCT
                              or any(f.op[base] is SUB for base in p.exponent)):
            return _build(f, p)
    return None


def _pow_rule(f, a: int, b: int):
    if f.is_const(b, 1):
        return a
    if f.is_const(b, 2) and f.op[a] is SQRT:  # sqrt(u)^2 = u (u < 0: only widens)
        return f.arg0[a]
    if f.is_const(b, 0) or f.is_const(a, 1):
        return f.const(1)
    return None


def _powlog_rule(f, a: int, b: int):
    import math

    if f.is_const(a) and f.value[a] > 0:  # 2^x*log(2): log(0) cannot happen
        return f.make(MUL, f.make(POW, a, b), f.const(math.log(f.value[a])))
    return None


def _exp_rule(f, a: int):
    if f.op[a] is LOG:  # exp(log(u)) = u (u <= 0: only widens)
        return f.arg0[a]
    return None


def _log_rule(f, a: int):
    if f.op[a] is EXP:  # log(exp(u)) = u (exp(u) overflowing: only widens)
        return f.arg0[a]
    return None


RULES = {ops.POW_LOG: _powlog_rule, EXP: _exp_rule, LOG: _log_rule, ADD: _add_rule,
         SUB: _sub_rule, MUL: _mul_rule, DIV: _div_rule, NEG: _neg_rule, POW: _pow_rule}
