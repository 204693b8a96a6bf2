"""The matching engine: numpy arrays in, one official (or none) per household out. No database.

The cost of pairing household h with official o is

    distance(village of h, base of o) in units of 100 m
    + a language penalty when they share no language
    + a load term: the k-th household on an official's list costs k * ``load_step``

The load term is convex in the official's load, so splitting each official's capacity into unit
slots of increasing cost keeps the problem an exact min-cost flow, and it spreads households
evenly over officials who are otherwise equally good.

Why the engine is exact and fast: the distance and language parts depend only on the
household's (village, languages) and the official's (base, languages). Households with the
same pair are interchangeable, so are officials, and an official group's slots can be pooled
by cost level. The flow over these groups, with every pair of groups inside the county as an
arc, therefore has the same optimum as the flow over every household–official pair, with a
few hundred thousand arcs instead of tens of millions. The group flow is then split back into
individual pairings deterministically; each official gets the cheapest slots of their group.

A county that lacks capacity routes the surplus to an "uncovered" arc whose cost is larger
than any pairing, so nobody is left out while an official has room, and the shortfall is
reported with the number of officials needed to close it.
"""

from __future__ import annotations

import heapq
import math
import multiprocessing
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

LANGUAGE_BITS = {"zh": 1, "zh-sc": 2, "bo": 4, "ii": 8, "qiang": 16, "other": 32}
ALL_LANGUAGES = 63
KM_PER_COST_UNIT = 0.1


def language_mask(codes) -> int:
    """Bitmask of a languages string ("zh,bo") or iterable. No recorded language matches any."""
    if isinstance(codes, str):
        codes = codes.split(",")
    mask = 0
    for code in codes:
        mask |= LANGUAGE_BITS.get(code.strip(), 0)
    return mask or ALL_LANGUAGES


def language_codes(mask: int) -> list[str]:
    if mask == ALL_LANGUAGES:
        return []
    return [code for code, bit in LANGUAGE_BITS.items() if mask & bit]


@dataclass(frozen=True)
class Params:
    """Weights of the cost, in cost units of 100 m."""

    language_penalty: int = 300  # sharing no language weighs like 30 km more travel
    load_step: int = 5  # each household already on an official's list weighs 0.5 km
    uncovered_cost: int = 100_000_000  # more than any pairing: capacity is always used first
    fallback_km: float = 300.0  # distance when a village or a base has no coordinates at all
    cross_neighbours: int = 32  # official groups of other counties offered when a scheme allows it


@dataclass
class Problem:
    """One county (or one cross-county scope) to match.

    Villages and bases are locations with coordinates (NaN when unknown); households and
    officials point to them by index. ``off_free`` is the number of households each official
    may still take, ``off_load`` how many they already have. ``capacity`` is the scheme's N,
    used to say how many more officials a shortfall needs. With ``hh_region``/``off_region``
    set (cross-county schemes), pairs inside a region are all offered and the nearest
    ``Params.cross_neighbours`` official groups of other regions are added.
    """

    key: str
    village_lat: np.ndarray
    village_lon: np.ndarray
    hh_village: np.ndarray
    hh_lang: np.ndarray
    base_lat: np.ndarray
    base_lon: np.ndarray
    off_base: np.ndarray
    off_lang: np.ndarray
    off_free: np.ndarray
    off_load: np.ndarray
    capacity: int
    hh_region: np.ndarray | None = None
    off_region: np.ndarray | None = None

    @property
    def households(self) -> int:
        return len(self.hh_village)

    @property
    def officials(self) -> int:
        return len(self.off_base)


@dataclass
class Solution:
    """The pairing of each household (index into the officials, -1 when uncovered) and why."""

    key: str
    official: np.ndarray
    distance_km: np.ndarray
    shared: np.ndarray
    cost: np.ndarray
    load_after: np.ndarray
    free_capacity: int
    uncovered: int
    officials_needed: int
    total_cost: int
    arcs: int
    seconds: float
    peak_mb: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def covered(self) -> int:
        return int((self.official >= 0).sum())

    @property
    def total_km(self) -> float:
        return float(self.distance_km[self.official >= 0].sum())

    @property
    def language_mismatches(self) -> int:
        return int(((self.official >= 0) & ~self.shared).sum())

    def summary(self) -> dict:
        return {
            "key": self.key,
            "households": len(self.official),
            "covered": self.covered,
            "uncovered": self.uncovered,
            "free_capacity": self.free_capacity,
            "officials_needed": self.officials_needed,
            "total_cost": self.total_cost,
            "total_km": round(self.total_km, 1),
            "language_mismatches": self.language_mismatches,
            "arcs": self.arcs,
            "seconds": round(self.seconds, 3),
        }


class SolverError(RuntimeError):
    pass


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km; broadcasts like numpy."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _distance(problem: Problem, villages: np.ndarray, bases: np.ndarray, params: Params) -> np.ndarray:
    """Distance in km from villages[i] to bases[j] (a matrix); missing coordinates give fallback_km."""
    km = haversine_km(
        problem.village_lat[villages][:, None],
        problem.village_lon[villages][:, None],
        problem.base_lat[bases][None, :],
        problem.base_lon[bases][None, :],
    )
    return np.where(np.isnan(km), params.fallback_km, km)


def _pair_cost(km: np.ndarray, shared: np.ndarray, params: Params) -> np.ndarray:
    return np.rint(km / KM_PER_COST_UNIT).astype(np.int64) + np.where(shared, 0, params.language_penalty)


def _slots(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Every free slot as (official index, level); level = households on the list before it."""
    free = problem.off_free.astype(np.int64)
    official = np.repeat(np.arange(problem.officials), free)
    starts = np.cumsum(free) - free
    within = np.arange(free.sum()) - np.repeat(starts, free)
    return official, problem.off_load.astype(np.int64)[official] + within


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _finish(
    problem: Problem, official: np.ndarray, slot_level: np.ndarray, params: Params, arcs: int, started: float, **extra
) -> Solution:
    """Explain an assignment (official per household, slot level per household) and total its cost."""
    covered = official >= 0
    km = np.full(problem.households, np.nan, dtype=np.float64)
    shared = np.zeros(problem.households, dtype=bool)
    cost = np.zeros(problem.households, dtype=np.int64)
    if covered.any():
        o = official[covered]
        v = problem.hh_village[covered]
        b = problem.off_base[o]
        d = haversine_km(problem.village_lat[v], problem.village_lon[v], problem.base_lat[b], problem.base_lon[b])
        km[covered] = np.where(np.isnan(d), params.fallback_km, d)
        shared[covered] = (problem.hh_lang[covered] & problem.off_lang[o]) != 0
        cost[covered] = _pair_cost(km[covered], shared[covered], params) + slot_level[covered] * params.load_step
    load_after = problem.off_load.astype(np.int64) + np.bincount(official[covered], minlength=problem.officials)
    uncovered = int((~covered).sum())
    return Solution(
        key=problem.key,
        official=official.astype(np.int32),
        distance_km=km,
        shared=shared,
        cost=cost,
        load_after=load_after.astype(np.int32),
        free_capacity=int(problem.off_free.sum()),
        uncovered=uncovered,
        officials_needed=math.ceil(uncovered / problem.capacity) if uncovered and problem.capacity else 0,
        total_cost=int(cost.sum()),
        arcs=arcs,
        seconds=time.perf_counter() - started,
        peak_mb=_peak_mb(),
        extra=extra,
    )


def solve(problem: Problem, params: Params = Params()) -> Solution:
    """Min-cost flow over (village, languages) × (base, languages) groups, split back per household."""
    started = time.perf_counter()
    n_h = problem.households
    official = np.full(n_h, -1, dtype=np.int64)
    slot_level = np.zeros(n_h, dtype=np.int64)
    if n_h == 0:
        return _finish(problem, official, slot_level, params, 0, started)

    # Household groups: (village, languages[, region]).
    h_region = problem.hh_region if problem.hh_region is not None else np.zeros(n_h, dtype=np.int64)
    h_keys = np.stack(
        [h_region.astype(np.int64), problem.hh_village.astype(np.int64), problem.hh_lang.astype(np.int64)]
    )
    g_keys, hh_group, g_count = np.unique(h_keys, axis=1, return_inverse=True, return_counts=True)
    hh_group = hh_group.reshape(-1)
    n_g = g_keys.shape[1]

    # Official groups: (base, languages[, region]) among officials with room.
    has_room = np.flatnonzero(problem.off_free > 0)
    n_o_all = problem.officials
    o_region_all = problem.off_region if problem.off_region is not None else np.zeros(n_o_all, dtype=np.int64)
    if len(has_room) == 0:
        return _finish(problem, official, slot_level, params, 0, started)
    o_keys_all = np.stack(
        [
            o_region_all[has_room].astype(np.int64),
            problem.off_base[has_room].astype(np.int64),
            problem.off_lang[has_room].astype(np.int64),
        ]
    )
    q_keys, room_group = np.unique(o_keys_all, axis=1, return_inverse=True)
    room_group = room_group.reshape(-1)
    n_q = q_keys.shape[1]
    off_group = np.full(n_o_all, -1, dtype=np.int64)
    off_group[has_room] = room_group

    # Group-to-group pair costs.
    km = _distance(problem, g_keys[1], q_keys[1], params)
    shared = (g_keys[2][:, None] & q_keys[2][None, :]) != 0
    pair_cost = _pair_cost(km, shared, params)
    allowed = g_keys[0][:, None] == q_keys[0][None, :]
    if problem.hh_region is not None and problem.off_region is not None:
        k = min(params.cross_neighbours, n_q)
        if k:
            other = np.where(allowed, np.iinfo(np.int64).max, pair_cost)
            nearest = np.argpartition(other, k - 1, axis=1)[:, :k]
            rows = np.repeat(np.arange(n_g), k)
            picked = other[rows, nearest.reshape(-1)] != np.iinfo(np.int64).max
            allowed[rows[picked], nearest.reshape(-1)[picked]] = True
    pair_g, pair_q = np.nonzero(allowed)

    # Slots pooled per (official group, level).
    slot_off, slot_lvl = _slots(problem)
    slot_q = off_group[slot_off]
    lvl_keys, lvl_cap = np.unique(np.stack([slot_q, slot_lvl]), axis=1, return_counts=True)

    sink = n_g + n_q
    tails = np.concatenate([pair_g, np.arange(n_g), n_g + lvl_keys[0]])
    heads = np.concatenate([n_g + pair_q, np.full(n_g, sink), np.full(lvl_keys.shape[1], sink)])
    caps = np.concatenate([g_count[pair_g], g_count, lvl_cap])
    costs = np.concatenate(
        [pair_cost[pair_g, pair_q], np.full(n_g, params.uncovered_cost), lvl_keys[1] * params.load_step]
    )
    flow = SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs.astype(np.int64)
    )
    supplies = np.concatenate([g_count, np.zeros(n_q, dtype=np.int64), [-n_h]]).astype(np.int64)
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow for {problem.key} ended with status {status}")
    n_pairs = len(pair_g)
    pair_flow = flow.flows(np.arange(n_pairs, dtype=np.int32))

    # Split back: each official group hands out its cheapest slots (level, then official index).
    used = pair_flow > 0
    pair_g, pair_q, pair_flow = pair_g[used], pair_q[used], pair_flow[used]
    inflow = np.bincount(pair_q, weights=pair_flow, minlength=n_q).astype(np.int64)
    slot_order = np.lexsort((slot_off, slot_lvl, slot_q))
    slot_off, slot_lvl, slot_q = slot_off[slot_order], slot_lvl[slot_order], slot_q[slot_order]
    q_start = np.searchsorted(slot_q, np.arange(n_q))
    # Households, grouped and in index order; the first ``covered`` of each group are paired.
    hh_order = np.argsort(hh_group, kind="stable")
    g_start = np.concatenate([[0], np.cumsum(g_count)[:-1]])
    order = np.lexsort((pair_q, pair_g))  # by group, then official group
    pair_g, pair_q, pair_flow = pair_g[order], pair_q[order], pair_flow[order]
    seq_q = np.repeat(pair_q, pair_flow)
    seq_g = np.repeat(pair_g, pair_flow)
    rank_in_g = np.arange(len(seq_g)) - np.searchsorted(seq_g, seq_g)
    households = hh_order[g_start[seq_g] + rank_in_g]
    by_q = np.argsort(seq_q, kind="stable")
    rank_in_q = np.empty(len(seq_q), dtype=np.int64)
    sorted_q = seq_q[by_q]
    rank_in_q[by_q] = np.arange(len(sorted_q)) - np.searchsorted(sorted_q, sorted_q)
    slot = q_start[seq_q] + rank_in_q
    assert (rank_in_q < inflow[seq_q]).all()
    official[households] = slot_off[slot]
    slot_level[households] = slot_lvl[slot]
    return _finish(problem, official, slot_level, params, len(tails), started, groups=[n_g, n_q])


def greedy(problem: Problem, params: Params = Params()) -> Solution:
    """Baseline: each household in turn takes the nearest official with room.

    Officials at the same base are equally near; among them one sharing a language, then the
    least loaded, is taken. Deterministic, and what an office does by hand.
    """
    started = time.perf_counter()
    n_h = problem.households
    official = np.full(n_h, -1, dtype=np.int64)
    slot_level = np.zeros(n_h, dtype=np.int64)
    bases = np.unique(problem.off_base[problem.off_free > 0])
    if n_h == 0 or len(bases) == 0:
        return _finish(problem, official, slot_level, params, 0, started)
    villages = np.unique(problem.hh_village)
    km = _distance(problem, villages, bases, params)
    nearest = {int(v): [int(bases[j]) for j in np.argsort(km[i], kind="stable")] for i, v in enumerate(villages)}
    # heaps[(base, languages)] of (load, official index) for officials with room
    heaps: dict[tuple[int, int], list[tuple[int, int]]] = {}
    base_free: dict[int, int] = {}
    base_classes: dict[int, list[int]] = {}
    for i in np.flatnonzero(problem.off_free > 0):
        b, lang = int(problem.off_base[i]), int(problem.off_lang[i])
        heaps.setdefault((b, lang), []).append((int(problem.off_load[i]), int(i)))
        base_free[b] = base_free.get(b, 0) + int(problem.off_free[i])
        if lang not in base_classes.setdefault(b, []):
            base_classes[b].append(lang)
    for h in heaps.values():
        heapq.heapify(h)
    free = problem.off_free.astype(np.int64).copy()
    load = problem.off_load.astype(np.int64).copy()
    for h in range(n_h):
        hh_lang = int(problem.hh_lang[h])
        for b in nearest[int(problem.hh_village[h])]:
            if base_free[b] <= 0:
                continue
            best = None
            for lang in base_classes[b]:
                heap = heaps[(b, lang)]
                if not heap:
                    continue
                rank = (0 if lang & hh_lang else 1, heap[0][0], heap[0][1])
                if best is None or rank < best[0]:
                    best = (rank, lang)
            heap = heaps[(b, best[1])]
            lvl, i = heapq.heappop(heap)
            official[h], slot_level[h] = i, lvl
            load[i] += 1
            free[i] -= 1
            base_free[b] -= 1
            if free[i] > 0:
                heapq.heappush(heap, (int(load[i]), i))
            break
    return _finish(problem, official, slot_level, params, 0, started)


def nearest_candidates(problem: Problem, k: int, params: Params = Params()) -> np.ndarray:
    """Each household's ``k`` cheapest officials (distance + language), as an (n_h, k) index array.

    Officials at one base cost the same, so households of one (village, languages) group take
    consecutive windows of the group's cost-ordered list: together they see its cheapest
    ``k × group size`` officials, not all the same ``k``.
    """
    n_h = problem.households
    candidates = np.full((n_h, k), -1, dtype=np.int64)
    room = np.flatnonzero(problem.off_free > 0)
    if n_h == 0 or len(room) == 0:
        return candidates
    h_keys = np.stack([problem.hh_village.astype(np.int64), problem.hh_lang.astype(np.int64)])
    g_keys, hh_group = np.unique(h_keys, axis=1, return_inverse=True)
    hh_group = hh_group.reshape(-1)
    km = _distance(problem, g_keys[0], problem.off_base[room], params)
    shared = (g_keys[1][:, None] & problem.off_lang[room][None, :]) != 0
    cost = _pair_cost(km, shared, params)
    same_region = None
    if problem.hh_region is not None and problem.off_region is not None:
        g_region = np.zeros(len(g_keys[0]), dtype=np.int64)
        g_region[hh_group] = problem.hh_region
        same_region = g_region[:, None] == problem.off_region[room][None, :]
        cost = np.where(same_region, cost, np.iinfo(np.int32).max)
    for g in range(g_keys.shape[1]):
        members = np.flatnonzero(hh_group == g)
        order = np.lexsort((room, problem.off_load[room], cost[g]))
        if same_region is not None:
            order = order[same_region[g][order]]
        width = min(len(order), max(k, len(members) * k))
        take = (np.arange(len(members))[:, None] * k + np.arange(min(k, width))[None, :]) % width
        candidates[members, : take.shape[1]] = room[order[take]]
    return candidates


def solve_individual(
    problem: Problem,
    candidates: np.ndarray,
    params: Params = Params(),
) -> Solution:
    """Min-cost flow over individual household–official arcs (``candidates``, -1 = none).

    Used as the reference in the benchmark and in tests: with every pair as a candidate it is
    the textbook formulation the group flow must match.
    """
    started = time.perf_counter()
    n_h, n_o = problem.households, problem.officials
    official = np.full(n_h, -1, dtype=np.int64)
    slot_level = np.zeros(n_h, dtype=np.int64)
    if n_h == 0:
        return _finish(problem, official, slot_level, params, 0, started)
    hh = np.repeat(np.arange(n_h), candidates.shape[1])
    off = candidates.reshape(-1)
    keep = off >= 0
    pairs = np.unique(np.stack([hh[keep], off[keep]]), axis=1)
    hh, off = pairs[0], pairs[1]
    v, b = problem.hh_village[hh], problem.off_base[off]
    km = haversine_km(problem.village_lat[v], problem.village_lon[v], problem.base_lat[b], problem.base_lon[b])
    km = np.where(np.isnan(km), params.fallback_km, km)
    pair_cost = _pair_cost(km, (problem.hh_lang[hh] & problem.off_lang[off]) != 0, params)
    slot_off, slot_lvl = _slots(problem)
    sink = n_h + n_o
    tails = np.concatenate([hh, np.arange(n_h), n_h + slot_off])
    heads = np.concatenate([n_h + off, np.full(n_h, sink), np.full(len(slot_off), sink)])
    caps = np.ones(len(tails), dtype=np.int64)
    costs = np.concatenate([pair_cost, np.full(n_h, params.uncovered_cost), slot_lvl * params.load_step])
    flow = SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs.astype(np.int64)
    )
    supplies = np.concatenate([np.ones(n_h, dtype=np.int64), np.zeros(n_o, dtype=np.int64), [-n_h]])
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"individual min-cost flow for {problem.key} ended with status {status}")
    f = flow.flows(np.arange(len(hh), dtype=np.int32))
    chosen = f > 0
    official[hh[chosen]] = off[chosen]
    # Slots of one official are interchangeable in cost order: give them out by household index.
    covered = np.flatnonzero(official >= 0)
    by_off = covered[np.lexsort((covered, official[covered]))]
    offs = official[by_off]
    rank = np.arange(len(offs)) - np.searchsorted(offs, offs)
    slot_level[by_off] = problem.off_load[offs] + rank
    return _finish(problem, official, slot_level, params, len(tails), started)


def solve_all(
    problems: Sequence[Problem],
    params: Params = Params(),
    *,
    processes: int = 2,
    method: Callable[[Problem, Params], Solution] = solve,
    on_done: Callable[[Solution], None] | None = None,
) -> list[Solution]:
    """Solve independent problems (counties), on a pool of ``processes`` workers when worth it.

    Workers are spawned, not forked: the caller may be a Django process with open database
    connections and threads, none of which a worker needs. Results come back in input order.
    """
    results: list[Solution] = []
    if processes <= 1 or len(problems) <= 1:
        for problem in problems:
            results.append(method(problem, params))
            if on_done:
                on_done(results[-1])
        return results
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        for solution in pool.imap(_call, [(method, problem, params) for problem in problems]):
            results.append(solution)
            if on_done:
                on_done(solution)
    return results


def _call(args) -> Solution:
    method, problem, params = args
    return method(problem, params)
