"""The pure solver: optimal, capacity-safe, language-aware, explicit about shortfalls, deterministic."""

import itertools
import math

import numpy as np
import pytest

from shiliu.pairings.matching import (
    ALL_LANGUAGES,
    Params,
    Problem,
    greedy,
    haversine_km,
    language_codes,
    language_mask,
    nearest_candidates,
    solve,
    solve_all,
    solve_individual,
)

ZH, SC, BO = language_mask("zh"), language_mask("zh-sc"), language_mask("bo")


def problem(
    villages, hh_village, hh_lang, bases, off_base, off_lang, off_free, off_load=None, capacity=5, **kw
) -> Problem:
    villages, bases = np.asarray(villages, dtype=float), np.asarray(bases, dtype=float)
    return Problem(
        key="test",
        village_lat=villages[:, 0],
        village_lon=villages[:, 1],
        hh_village=np.asarray(hh_village, dtype=np.int32),
        hh_lang=np.asarray(hh_lang, dtype=np.int64),
        base_lat=bases[:, 0],
        base_lon=bases[:, 1],
        off_base=np.asarray(off_base, dtype=np.int32),
        off_lang=np.asarray(off_lang, dtype=np.int64),
        off_free=np.asarray(off_free, dtype=np.int32),
        off_load=np.asarray(off_load if off_load is not None else [0] * len(off_base), dtype=np.int32),
        capacity=capacity,
        **kw,
    )


def random_problem(rng, n_v, n_b, n_h, n_o, cap) -> Problem:
    return problem(
        np.c_[rng.uniform(30, 30.6, n_v), rng.uniform(100, 100.6, n_v)],
        rng.integers(0, n_v, n_h),
        rng.choice([ZH, SC, BO, ZH | SC, BO | SC], n_h),
        np.c_[rng.uniform(30, 30.6, n_b), rng.uniform(100, 100.6, n_b)],
        rng.integers(0, n_b, n_o),
        rng.choice([ZH, ZH | SC, ZH | BO, BO], n_o),
        rng.integers(0, cap + 1, n_o),
        rng.integers(0, 2, n_o),
        capacity=cap,
    )


def brute_force(p: Problem) -> tuple[int, int]:
    """(uncovered, cost) of the best assignment, by trying them all."""
    params = Params()
    best = None
    for combo in itertools.product([-1, *range(p.officials)], repeat=p.households):
        counts = np.bincount([c for c in combo if c >= 0], minlength=p.officials)
        if (counts > p.off_free).any():
            continue
        cost = 0
        for h, o in enumerate(combo):
            if o < 0:
                continue
            v, b = p.hh_village[h], p.off_base[o]
            km = haversine_km(p.village_lat[v], p.village_lon[v], p.base_lat[b], p.base_lon[b])
            cost += int(np.rint(km * 10)) + (0 if p.hh_lang[h] & p.off_lang[o] else params.language_penalty)
        cost += sum((p.off_load[o] + j) * params.load_step for o in range(p.officials) for j in range(counts[o]))
        key = (sum(c < 0 for c in combo), cost)
        best = key if best is None or key < best else best
    return best


def test_optimal_against_brute_force():
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(40):
        p = random_problem(rng, n_v=3, n_b=3, n_h=int(rng.integers(1, 6)), n_o=int(rng.integers(1, 4)), cap=2)
        s = solve(p)
        assert (s.uncovered, s.total_cost) == brute_force(p)
        checked += p.households
    assert checked > 80


def test_group_flow_equals_the_flow_over_every_pair():
    rng = np.random.default_rng(11)
    for _ in range(8):
        p = random_problem(rng, n_v=25, n_b=6, n_h=300, n_o=80, cap=5)
        every_pair = np.tile(np.arange(p.officials), (p.households, 1))
        reference = solve_individual(p, every_pair)
        s = solve(p)
        assert (s.uncovered, s.total_cost) == (reference.uncovered, reference.total_cost)


def test_capacity_never_exceeded_and_explanations_add_up():
    rng = np.random.default_rng(3)
    p = random_problem(rng, n_v=30, n_b=5, n_h=500, n_o=70, cap=6)
    s = solve(p)
    counts = np.bincount(s.official[s.official >= 0], minlength=p.officials)
    assert (counts <= p.off_free).all()
    assert (s.load_after == p.off_load + counts).all()
    assert s.covered == min(p.households, int(p.off_free.sum()))
    covered = s.official >= 0
    assert np.isnan(s.distance_km[~covered]).all() and (s.distance_km[covered] >= 0).all()
    assert s.total_cost == int(s.cost.sum())


def test_language_penalty_decides_within_its_weight():
    # A Tibetan-speaking household; a Mandarin-only official 1 km away, a Tibetan speaker further away.
    for far_km, expected in ((10, 1), (50, 0)):
        lat_far = 30.0 + far_km / 111.2
        p = problem([[30.0, 100.0]], [0], [BO], [[30.009, 100.0], [lat_far, 100.0]], [0, 1], [ZH, ZH | BO], [1, 1])
        s = solve(p)
        assert s.official[0] == expected, far_km
        assert s.shared[0] == (expected == 1)
        assert s.language_mismatches == (0 if expected == 1 else 1)


def test_shortfall_is_reported_with_officials_needed():
    p = problem([[30, 100]], [0] * 10, [ZH] * 10, [[30, 100]], [0, 0], [ZH, ZH], [3, 3], capacity=3)
    s = solve(p)
    assert (s.covered, s.uncovered, s.free_capacity, s.officials_needed) == (6, 4, 6, 2)
    assert (s.official[s.official >= 0] >= 0).all() and (s.official == -1).sum() == 4


def test_no_official_at_all_leaves_everyone_uncovered_but_reported():
    p = problem([[30, 100]], [0, 0, 0], [ZH] * 3, [[30, 100]], [], [], [], capacity=2)
    s = solve(p)
    assert (s.uncovered, s.officials_needed) == (3, 2)


def test_load_is_spread_over_equally_good_officials():
    p = problem([[30, 100]], [0] * 6, [ZH] * 6, [[30.01, 100]], [0, 0, 0], [ZH] * 3, [5, 5, 5], [0, 0, 2])
    s = solve(p)
    assert s.load_after.tolist() == [3, 3, 2]


def test_deterministic():
    rng = np.random.default_rng(5)
    p = random_problem(rng, n_v=40, n_b=8, n_h=800, n_o=150, cap=5)
    a, b = solve(p), solve(p)
    assert (a.official == b.official).all() and a.total_cost == b.total_cost


def test_missing_coordinates_fall_back_to_a_fixed_distance():
    params = Params(fallback_km=123.0)
    p = problem([[np.nan, np.nan]], [0], [ZH], [[30, 100]], [0], [ZH], [1])
    s = solve(p, params)
    assert s.distance_km[0] == pytest.approx(123.0)


def test_cross_county_only_through_the_nearest_other_groups():
    # Region 0 has one household too many; region 1 has room next door.
    p = problem(
        [[30, 100], [30, 100.05]],
        [0, 0, 1],
        [ZH] * 3,
        [[30, 100], [30, 100.05]],
        [0, 1],
        [ZH, ZH],
        [1, 2],
        hh_region=np.array([0, 0, 1]),
        off_region=np.array([0, 1]),
    )
    same_county = solve(p, Params(cross_neighbours=0))
    assert same_county.uncovered == 1
    assert same_county.official.tolist().count(0) == 1
    wider = solve(p, Params(cross_neighbours=2))
    assert wider.uncovered == 0


def test_greedy_is_feasible_but_not_better():
    rng = np.random.default_rng(9)
    for _ in range(5):
        p = random_problem(rng, n_v=30, n_b=6, n_h=400, n_o=100, cap=5)
        g, s = greedy(p), solve(p)
        counts = np.bincount(g.official[g.official >= 0], minlength=p.officials)
        assert (counts <= p.off_free).all()
        assert g.uncovered == s.uncovered
        assert g.total_cost >= s.total_cost


def test_nearest_candidates_reference_matches_with_engine_arcs():
    rng = np.random.default_rng(13)
    p = random_problem(rng, n_v=30, n_b=6, n_h=400, n_o=100, cap=5)
    s = solve(p)
    candidates = nearest_candidates(p, 8)
    assert candidates.shape == (400, 8) and (candidates >= 0).all()
    reference = solve_individual(p, np.c_[candidates, s.official])
    assert reference.total_cost == s.total_cost


def test_solve_all_on_two_processes_gives_the_same_answer():
    rng = np.random.default_rng(17)
    problems = [random_problem(rng, n_v=10, n_b=3, n_h=100, n_o=30, cap=4) for _ in range(3)]
    inline = solve_all(problems, processes=1)
    pooled = solve_all(problems, processes=2)
    assert [s.total_cost for s in inline] == [s.total_cost for s in pooled]
    assert all((a.official == b.official).all() for a, b in zip(inline, pooled, strict=True))


def test_language_masks():
    assert language_mask("") == ALL_LANGUAGES
    assert language_codes(language_mask("zh,bo")) == ["zh", "bo"]
    assert language_codes(ALL_LANGUAGES) == []
    assert math.isclose(float(haversine_km(30, 100, 31, 100)), 111.2, rel_tol=1e-3)
