"""closed_form.cookbook: the Matrix Cookbook's identities vs finite differences and the Tensor engine.

* every identity's closed form equals central differences of its own numpy ``f`` (several draws);
* every vec identity's Jacobian equals a finite-difference vec Jacobian (columns stacked);
* the Tensor engine differentiates the *same* ``f`` (numpy dispatches it to Tensors): ``grad`` equals
  the closed form, ``jacobian(layout="denominator")`` too, and ``layout="numerator"`` its transpose.

An engine check is skipped only when the engine itself says it has no derivative rule for one of the
operations the identity's ``needs`` names -- so the skip disappears on its own once that rule lands,
and any other error (or a rule-less operation the identity did not declare) fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from finite_differences import numeric_gradient, numeric_vec_jacobian

from autograd_core import closed_form as cf
from autograd_core import grad, jacobian
from autograd_core.layer.closed_form.cookbook import IDENTITIES, VEC_IDENTITIES, Identity, VecIdentity

SEEDS = range(3)
NAMES = list(IDENTITIES)
VEC_NAMES = list(VEC_IDENTITIES)
KNOWN_OPS = {"det", "inv", "slogdet", "kron"}
NO_RULE = re.compile(r"numpy\.(?:linalg\.)?(\w+) has no derivative rule")


def replaced(args: tuple[Any, ...], position: int, value: Any) -> tuple[Any, ...]:
    return (*args[:position], value, *args[position + 1:])


def engine_or_skip(identity: Identity | VecIdentity, compute: Callable[[], Any]) -> Any:
    """``compute()``, or a skip if the engine has no rule yet for an operation ``identity.needs`` declares."""
    try:
        return compute()
    except TypeError as error:
        missing = NO_RULE.search(str(error))
        if missing and missing.group(1) in identity.needs:
            pytest.skip(f"the Tensor engine has no derivative rule for numpy {missing.group(1)} yet")
        raise


# --- the registry ------------------------------------------------------------------------------------
def test_the_registry_holds_at_least_24_identities_each_citing_its_equation():
    assert len(IDENTITIES) >= 24
    for name, identity in IDENTITIES.items():
        assert re.fullmatch(r"\(\d+\)", identity.equation), name
        assert identity.gradient.__doc__.startswith(identity.equation), f"{name}: the docstring cites another number"
        assert identity.text.startswith("∂"), name
        assert set(identity.needs) <= KNOWN_OPS, name


def test_equations_are_distinct():
    equations = [identity.equation for identity in IDENTITIES.values()]
    assert len(equations) == len(set(equations))


def test_the_package_exports_the_registries():
    assert cf.IDENTITIES is IDENTITIES and cf.VEC_IDENTITIES is VEC_IDENTITIES
    assert cf.cookbook.IDENTITIES is IDENTITIES


@pytest.mark.parametrize("name", NAMES)
def test_gradient_is_shaped_like_the_argument(name):
    identity = IDENTITIES[name]
    args = identity.args(np.random.default_rng(0))
    assert identity.gradient(*args).shape == np.shape(args[identity.wrt])
    assert np.ndim(identity.f(*args)) == 0


# --- closed forms vs central differences --------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", NAMES)
def test_identity_matches_central_differences_of_its_own_f(name, seed):
    identity = IDENTITIES[name]
    args = identity.args(np.random.default_rng(seed))
    numeric = numeric_gradient(lambda v: float(identity.f(*replaced(args, identity.wrt, v))), args[identity.wrt])
    np.testing.assert_allclose(identity.gradient(*args), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", VEC_NAMES)
def test_vec_identity_matches_a_finite_difference_vec_jacobian(name, seed):
    identity = VEC_IDENTITIES[name]
    args = identity.args(np.random.default_rng(seed))
    X = args[identity.wrt]
    J = identity.jacobian(*args)
    assert J.shape == (np.size(identity.F(*args)), X.size)
    numeric = numeric_vec_jacobian(lambda V: identity.F(*replaced(args, identity.wrt, V)), X)
    np.testing.assert_allclose(J, numeric, rtol=1e-6, atol=1e-7)


def test_vec_and_the_commutation_matrix():
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(cf.cookbook.vec(X), [0, 3, 1, 4, 2, 5])  # the columns, one after another
    np.testing.assert_array_equal(cf.cookbook.commutation_matrix(2, 3) @ cf.cookbook.vec(X), cf.cookbook.vec(X.T))


def test_vec_of_AXB_is_the_kronecker_product_applied_to_vec_X():
    """The linear map itself, exactly: vec(AXB) = (Bᵀ ⊗ A) vec X (the Cookbook's (520))."""
    A, X, B = VEC_IDENTITIES["vec_AXB"].args(np.random.default_rng(1))
    vec = cf.cookbook.vec
    np.testing.assert_allclose(VEC_IDENTITIES["vec_AXB"].jacobian(A, X, B) @ vec(X), vec(A @ X @ B), rtol=1e-13)


def test_entries_of_the_vec_inverse_jacobian_are_equation_60():
    """(60): ∂(X⁻¹)_kl/∂X_ij = −(X⁻¹)_ki (X⁻¹)_jl, at row k + l·n and column i + j·n of the vec Jacobian."""
    (X,) = VEC_IDENTITIES["vec_inverse"].args(np.random.default_rng(2))
    J, Xinv, n = VEC_IDENTITIES["vec_inverse"].jacobian(X), np.linalg.inv(X), X.shape[0]
    for i, j, k, l in np.ndindex(n, n, n, n):
        assert J[k + l * n, i + j * n] == pytest.approx(-Xinv[k, i] * Xinv[j, l], rel=1e-12, abs=1e-15)


# --- the engine on the same f ------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_engine_gradient_of_f_equals_the_closed_form(name):
    identity = IDENTITIES[name]
    args = identity.args(np.random.default_rng(3))
    g = engine_or_skip(identity, lambda: grad(identity.f, argnums=identity.wrt, engine="tensor")(*args))
    np.testing.assert_allclose(g, identity.gradient(*args), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_engine_jacobian_in_both_layouts(name):
    """Denominator layout = the Cookbook's ∂f/∂X (shape of X); numerator layout = its transpose (X.shape[::-1])."""
    identity = IDENTITIES[name]
    args = identity.args(np.random.default_rng(4))
    x, expected = args[identity.wrt], identity.gradient(*args)

    def laid_out(layout: str) -> np.ndarray:
        return jacobian(identity.f, argnums=identity.wrt, layout=layout, engine="tensor")(*args)

    denominator = engine_or_skip(identity, lambda: laid_out("denominator"))
    numerator = engine_or_skip(identity, lambda: laid_out("numerator"))
    assert denominator.shape == x.shape and numerator.shape == x.shape[::-1]
    np.testing.assert_allclose(denominator, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(numerator, expected.T, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", VEC_NAMES)
def test_engine_vec_jacobian_equals_the_closed_form(name):
    """The numerator layout ``out.shape + in.shape[::-1]``, rearranged to ``vec`` order.

    Its input axes come reversed, so a row-major reshape of them already stacks X's columns; the
    output axes are reversed here for the same reason.
    """
    identity = VEC_IDENTITIES[name]
    args = identity.args(np.random.default_rng(5))
    X, F = args[identity.wrt], identity.F(*args)
    N = engine_or_skip(identity, lambda: jacobian(identity.F, argnums=identity.wrt, engine="tensor")(*args))
    k = np.ndim(F)
    J = np.transpose(N, (*range(k - 1, -1, -1), *range(k, N.ndim))).reshape(np.size(F), X.size)
    np.testing.assert_allclose(J, identity.jacobian(*args), rtol=1e-10, atol=1e-12)


def test_a_rule_less_operation_not_declared_in_needs_fails_instead_of_skipping():
    """The skip is narrow: an identity that does not declare ``kron`` must not hide a missing kron rule."""
    undeclared = Identity("(0)", "∂ …", lambda X: np.einsum("ii->", np.kron(X, X)), lambda X: X, lambda rng: ())

    def compute() -> Any:
        raise TypeError("numpy.kron has no derivative rule in autograd-core, so ...")

    with pytest.raises(TypeError, match="kron"):
        engine_or_skip(undeclared, compute)
