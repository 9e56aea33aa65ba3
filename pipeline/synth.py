"""`python -m pipeline synth`: a synthetic national package for benchmarks.

A national portal would hold every province's package; nothing like it is public, so the
benchmark needs one that is valid, realistic and reproducible. Scale 1 is 50,000 projects and
15,000 establishments across the 34 provinces of 2025 (fractional scales make small packages
for tests). Random draws are vectorised with numpy so scale 1 takes seconds; the same seed
always writes the same bytes. ``--faults K`` plants K known errors at known rows
(`pipeline/synth_faults.py`) so that validators can be compared on what they find.
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.synth_geo import PERIODS, Geography, build_geography, period_of
from pipeline.synth_tables import (
    ACTIVITIES,
    GIVEN_NAMES,
    HAMLET_WORDS,
    LEGAL_FORM_PREFIX,
    MIDDLE_NAMES,
    PRODUCTS,
    PROVINCES,
    SURNAMES,
)

SCALE1_PROJECTS = 50_000
SCALE1_ESTABLISHMENTS = 15_000
YEARS = np.arange(2012, 2026)
MAX_PROJECTS_PER_PROVINCE_YEAR = 999  # p-<province>-<year>-<3 digits>
MAX_ESTABLISHMENTS_PER_PROVINCE = 9_999  # e-<province>-<4 digits>
SOURCE = Path(__file__).resolve().parent.parent / "data"
CODE_LISTS = ("content-types.csv", "sectors.csv")
MILLION = 1_000_000
WITH_BENEFICIARY = ("machinery", "tech-line", "demo-model")
LEGAL_FORMS = ("enterprise", "cooperative", "cooperative-group", "household")


class SynthError(Exception):
    """The requested scale does not fit the id patterns of the schemas."""


@dataclass(frozen=True)
class Draws:
    """Province sizes drawn once per seed, shared by establishments and projects."""

    establishments: np.ndarray  # per province
    projects: np.ndarray  # per province x year


def pick(rng: np.random.Generator, options, size: int, p=None) -> np.ndarray:
    """``size`` draws from ``options`` (a tuple of strings) as an object array."""
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p)]


def draw_sizes(rng: np.random.Generator, scale: float, provinces: int) -> Draws:
    """How many establishments each province has and how many projects each province-year.

    Provinces differ about fourfold in activity; 2020 (the pandemic) and 2025 (the reform)
    were thin years. Every province keeps at least one establishment.
    """
    weights = rng.gamma(3.0, 1.0, provinces)
    weights /= weights.sum()
    n_est = max(provinces, round(scale * SCALE1_ESTABLISHMENTS))
    establishments = 1 + rng.multinomial(n_est - provinces, weights)
    years = np.where(YEARS == 2020, 0.75, np.where(YEARS == 2025, 0.6, 1.0))
    cells = np.outer(weights, years / years.sum()).ravel()
    projects = rng.multinomial(round(scale * SCALE1_PROJECTS), cells / cells.sum())
    projects = projects.reshape(provinces, len(YEARS))
    if establishments.max() > MAX_ESTABLISHMENTS_PER_PROVINCE or \
            projects.max() > MAX_PROJECTS_PER_PROVINCE_YEAR:
        raise SynthError(f"scale {scale} needs more than {MAX_PROJECTS_PER_PROVINCE_YEAR} "
                         "projects per province-year or 9,999 establishments per province; "
                         "the id patterns allow no more (use a scale of 5 or less)")
    return Draws(establishments=establishments, projects=projects)


def sequence(counts: np.ndarray) -> np.ndarray:
    """1, 2, ... within each group of consecutive rows of the given sizes."""
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(counts.sum()) - starts + 1


def pool_choice(rng: np.random.Generator, geo: Geography, province: np.ndarray,
                period: np.ndarray) -> np.ndarray:
    """One unit valid in the row's period of the row's province, for every row at once."""
    keys = [(p, k) for p in range(len(geo.provinces)) for k in range(len(PERIODS))]
    flat = np.asarray([u for k in keys for u in geo.pools[k]], dtype=object)
    lengths = np.asarray([len(geo.pools[k]) for k in keys])
    offsets = np.cumsum(lengths) - lengths
    slot = province * len(PERIODS) + period
    return flat[offsets[slot] + (rng.random(len(slot)) * lengths[slot]).astype(int)]


def person_names(rng: np.random.Generator, size: int) -> list[str]:
    surname, middle, given = (pick(rng, words, size)
                              for words in (SURNAMES, MIDDLE_NAMES, GIVEN_NAMES))
    return [f"{a} {b} {c}" for a, b, c in zip(surname, middle, given, strict=True)]


def establishment_names(rng: np.random.Generator, forms: np.ndarray, product: np.ndarray,
                        places: np.ndarray) -> list[str]:
    """"Hợp tác xã Miến dong Yên Bình": legal form, trade, place."""
    prefixes = {form: pick(rng, LEGAL_FORM_PREFIX[form], len(forms)) for form in LEGAL_FORMS}
    names = []
    for i, (form, p, place) in enumerate(zip(forms, product, places, strict=True)):
        prefix = prefixes[form][i]
        trade = PRODUCTS[p].vi if prefix.split()[-1] in ("xuất", "biến") else \
            PRODUCTS[p].vi[0].upper() + PRODUCTS[p].vi[1:]
        names.append(f"{prefix} {trade} {place}")
    return names


def employees(rng: np.random.Generator, forms: np.ndarray) -> np.ndarray:
    """Households employ a handful, enterprises dozens to hundreds."""
    size = len(forms)
    counts = np.select(
        [forms == "household", forms == "cooperative-group", forms == "cooperative"],
        [1 + rng.poisson(4, size), rng.integers(5, 31, size), rng.integers(10, 121, size)],
        np.clip(rng.lognormal(np.log(40), 0.8, size), 5, 2000).astype(int))
    return counts


def coordinates(rng: np.random.Generator, geo: Geography,
                province: np.ndarray) -> tuple[list, list]:
    """Near the province's centre for two establishments in three; unknown otherwise."""
    lat0 = np.asarray([p.lat for p in geo.provinces])[province]
    lon0 = np.asarray([p.lon for p in geo.provinces])[province]
    lat = np.clip(lat0 + rng.normal(0, 0.2, len(province)), 8.6, 23.3)
    lon = np.clip(lon0 + rng.normal(0, 0.2, len(province)), 102.2, 109.4)
    known = rng.random(len(province)) < 0.65
    return ([f"{v:.5f}" if k else "" for v, k in zip(lat, known, strict=True)],
            [f"{v:.5f}" if k else "" for v, k in zip(lon, known, strict=True)])


def optional(values: np.ndarray, present: np.ndarray) -> list[str]:
    """Values as text where present, empty cells elsewhere."""
    return [str(v) if k else "" for v, k in zip(values, present, strict=True)]


def awards(rng: np.random.Generator, size: int) -> dict[str, list[str]]:
    """OCOP stars for about one in six, typical-product awards for one in eight."""
    stars = rng.choice([3, 4, 5], size=size, p=[0.7, 0.27, 0.03])
    level = pick(rng, ("province", "region", "national"), size, p=[0.75, 0.2, 0.05])
    typical = rng.random(size) < 0.12
    return {"ocop_stars": optional(stars, rng.random(size) < 0.18),
            "typical_product_level": optional(level, typical),
            "typical_product_year": optional(rng.integers(2013, 2026, size), typical)}


def build_establishments(rng: np.random.Generator, geo: Geography,
                         draws: Draws) -> pd.DataFrame:
    """One row per establishment, provinces in code order, ids numbered within a province."""
    counts = draws.establishments
    n = int(counts.sum())
    province = np.repeat(np.arange(len(geo.provinces)), counts)
    codes = np.asarray([p.code for p in geo.provinces], dtype=object)[province]
    forms = pick(rng, LEGAL_FORMS, n, p=[0.25, 0.3, 0.1, 0.35])
    product = rng.integers(len(PRODUCTS), size=n)
    commune = pool_choice(rng, geo, province, np.full(n, 2))
    places = np.asarray([geo.commune_names[c] for c in commune], dtype=object)
    lat, lon = coordinates(rng, geo, province)
    household = forms == "household"
    owners = person_names(rng, n)
    phones = [f"09{v:08d}" for v in rng.integers(0, 10**8, n)]
    hamlets = pick(rng, HAMLET_WORDS, n)
    hamlet_names = pick(rng, tuple(sorted(set(geo.commune_names.values()))), n)
    return pd.DataFrame({
        "establishment_id": [f"e-{c}-{s:04d}" for c, s in zip(codes, sequence(counts),
                                                               strict=True)],
        "province_code": codes,
        "name": establishment_names(rng, forms, product, places),
        "legal_form": forms,
        "sector": [PRODUCTS[p].sector for p in product],
        "products_vi": [PRODUCTS[p].vi for p in product],
        "products_en": [PRODUCTS[p].en for p in product],
        "commune_id": commune,
        "address": [f"{h} {m}" for h, m in zip(hamlets, hamlet_names, strict=True)],
        "latitude": lat, "longitude": lon,
        "founded_year": np.clip(2011 - rng.gamma(2.0, 6.0, n), 1960, 2011).astype(int),
        "employees": employees(rng, forms),
        **awards(rng, n),
        "showcase": "false",
        "owner_name": np.where(household, owners, ""),
        "phone": np.where(rng.random(n) < 0.45, phones, ""),
    })


BOUNDS_MILLIONS = {  # state support per project, millions of VND, within the legal ceilings
    "machinery": (80, 300), "tech-line": (200, 450), "demo-model": (150, 500),
    "training": (30, 200), "management-training": (30, 150), "fair": (40, 250),
    "typical-product": (50, 300), "information": (30, 150), "consulting": (20, 120),
}
OUTPUTS = {  # activity -> (Vietnamese, English) outputs; {k} a count, {m} people
    "machinery": ("Lắp đặt {k} máy, thiết bị sản xuất {p}; tạo việc làm cho {m} lao động",
                  "Installed {k} machines for {pe}; work for {m} people"),
    "tech-line": ("Lắp đặt 1 dây chuyền sản xuất {p}; tạo việc làm cho {m} lao động",
                  "Installed a production line for {pe}; work for {m} people"),
    "demo-model": ("Mô hình trình diễn sản xuất {p} với {k} thiết bị; {m} lượt người tham quan",
                   "Demonstration of {pe} with {k} machines; {m} visitors"),
    "training": ("Đào tạo {m} học viên", "Trained {m} people"),
    "management-training": ("Tập huấn cho {m} học viên", "{m} participants trained"),
    "fair": ("{k} cơ sở tham gia hội chợ", "{k} establishments at fairs"),
    "typical-product": ("{k} sản phẩm được công nhận", "{k} products recognised"),
    "information": ("{k} chương trình, tin bài", "{k} broadcasts and articles"),
    "consulting": ("Tư vấn cho {k} cơ sở", "Advice to {k} establishments"),
}
STATUS_OUTPUTS = {"stopped": ("Dừng thực hiện", "Stopped"),
                  "returned": ("Trả lại kinh phí", "Funds returned"),
                  "in-progress": ("Đang thực hiện", "In progress")}


def support_millions(rng: np.random.Generator, activity: np.ndarray, year: np.ndarray,
                     level: np.ndarray) -> np.ndarray:
    """State support within the ceiling of the activity; national projects run larger.

    Demonstration models: at most 500 million until 2018, 1,500 million from 2019.
    """
    lo = np.asarray([BOUNDS_MILLIONS[a][0] for a in activity])
    hi = np.asarray([BOUNDS_MILLIONS[a][1] for a in activity])
    hi = np.where((activity == "demo-model") & (year >= 2019), 1500, hi)
    draw = lo + (hi - lo) * rng.beta(2, 3, len(activity)) * np.where(level == "national", 1.3, 1)
    return np.minimum(np.round(draw), hi).astype(np.int64)


def counterpart_millions(rng: np.random.Generator, activity: np.ndarray, year: np.ndarray,
                         support: np.ndarray) -> np.ndarray:
    """The beneficiary's share: at least what keeps the state within its share ceiling.

    Machinery, technology lines and demonstration models from 2019: state at most 50 %, so
    counterpart >= support; demonstration models until 2018: at most 30 %, so 3c >= 7s.
    """
    minimum = np.where(np.isin(activity, WITH_BENEFICIARY), support, 0)
    minimum = np.where((activity == "demo-model") & (year <= 2018), -(-7 * support // 3),
                       minimum)
    return np.ceil(minimum * rng.uniform(1.0, 4.0, len(activity))).astype(np.int64)


def draw_status(rng: np.random.Generator, year: np.ndarray) -> np.ndarray:
    """Mostly completed; a few stopped or returned; recent years still in progress."""
    u = rng.random(len(year))
    in_progress = np.where(year == 2025, 0.65, np.where(year == 2024, 0.05, 0.0))
    return np.select([u < 0.02, u < 0.05, u < 0.05 + in_progress],
                     ["stopped", "returned", "in-progress"], "completed").astype(object)


def disbursed(rng: np.random.Generator, status: np.ndarray, support: np.ndarray) -> np.ndarray:
    """All of the support once completed, part of it for some in progress, else nothing."""
    partial = np.floor(support * rng.uniform(0.2, 0.8, len(status))).astype(np.int64)
    some = (status == "in-progress") & (rng.random(len(status)) < 0.4)
    return np.where(status == "completed", support, np.where(some, partial, 0))


def iso(days: np.ndarray, present: np.ndarray) -> list[str]:
    text = np.datetime_as_string(days, unit="D")
    return [t if k else "" for t, k in zip(text, present, strict=True)]


def project_dates(rng: np.random.Generator, year: np.ndarray,
                  status: np.ndarray) -> tuple[list[str], list[str]]:
    """Start in March-July (from July in 2025, when the communes took over); completed and
    stopped projects end within their year."""
    jan1 = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    first = np.where(year >= 2025, 181, 60)
    start = jan1 + first + rng.integers(0, 90, len(year))
    length = np.where(status == "stopped", rng.integers(30, 120, len(year)),
                      rng.integers(60, 200, len(year)))
    end = np.minimum(start + length, jan1 + 350)
    ends = np.isin(status, ("completed", "stopped"))
    return iso(start, np.ones(len(year), bool)), iso(end, ends)


def beneficiaries(rng: np.random.Generator, activity: np.ndarray, province: np.ndarray,
                  counts: np.ndarray) -> np.ndarray:
    """Row index of the supported establishment (same province), or -1 for none.

    Early ids get more projects (a few establishments come back year after year).
    """
    n = len(activity)
    needs = np.isin(activity, WITH_BENEFICIARY) | (
        np.isin(activity, ("training", "consulting", "fair", "typical-product"))
        & (rng.random(n) < 0.3))
    local = (counts[province] * rng.random(n) ** 1.6).astype(int)
    first = np.cumsum(counts) - counts
    return np.where(needs, first[province] + local, -1)


def texts(templates: dict, overrides: dict, activity: np.ndarray, status: np.ndarray,
          **values) -> list[tuple[str, str]]:
    """(Vietnamese, English) texts from per-activity templates, or the status's own text."""
    rows = []
    for i, (a, s) in enumerate(zip(activity, status, strict=True)):
        fixed = overrides.get(s)
        rows.append(fixed or tuple(t.format(**{k: v[i] for k, v in values.items()})
                                   for t in templates[a]))
    return rows


def project_texts(rng: np.random.Generator, activity, status, year, product_vi,
                  product_en) -> dict[str, list[str]]:
    """Titles as in approval decisions, outputs as in acceptance reports."""
    titles = {a: (v[2], v[3]) for a, v in ACTIVITIES.items()}
    n = len(activity)
    common = dict(p=product_vi, pe=product_en, y=year)
    title = texts(titles, {}, activity, status, **common)
    output = texts(OUTPUTS, STATUS_OUTPUTS, activity, status, k=rng.integers(1, 12, n),
                   m=rng.integers(8, 60, n), **common)
    return {"title_vi": [t[0] for t in title], "title_en": [t[1] for t in title],
            "outputs_vi": [o[0] for o in output], "outputs_en": [o[1] for o in output]}


def implementing_units(rng: np.random.Generator, geo: Geography,
                       province: np.ndarray) -> np.ndarray:
    """The provincial promotion centre runs most projects, the department the rest."""
    names = np.asarray([p.name for p in geo.provinces], dtype=object)[province]
    centre = "Trung tâm Khuyến công và Tư vấn phát triển công nghiệp " + names
    return np.where(rng.random(len(province)) < 0.92, centre, "Sở Công Thương " + names)


def decisions(rng: np.random.Generator, level: np.ndarray) -> list[str]:
    """National projects are approved by the Ministry, local ones by the province."""
    numbers = rng.integers(100, 4000, len(level))
    return [f"{k}/QĐ-BCT" if lv == "national" else f"{k}/QĐ-UBND"
            for k, lv in zip(numbers, level, strict=True)]


def draw_activities(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Activity types in their usual shares, and the Article 4 content each belongs to."""
    shares = np.asarray([v[1] for v in ACTIVITIES.values()])
    activity = pick(rng, tuple(ACTIVITIES), n, p=shares / shares.sum())
    content = np.asarray([ACTIVITIES[a][0] for a in activity], dtype=object)
    content = np.where((activity == "training") & (rng.random(n) < 0.2), "NLKC", content)
    return activity, content


def build_projects(rng: np.random.Generator, geo: Geography, draws: Draws,
                   establishments: pd.DataFrame) -> pd.DataFrame:
    """One row per project, in province, year, number order."""
    counts = draws.projects.ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    province, year = cell // len(YEARS), YEARS[cell % len(YEARS)]
    n = len(cell)
    codes = np.asarray([p.code for p in geo.provinces], dtype=object)[province]
    level = np.where(rng.random(n) < 0.4, "national", "local").astype(object)
    activity, content = draw_activities(rng, n)
    est = beneficiaries(rng, activity, province, draws.establishments)
    own = rng.integers(len(PRODUCTS), size=n)
    product_vi = np.where(est >= 0, establishments["products_vi"].to_numpy()[est],
                          np.asarray([p.vi for p in PRODUCTS], dtype=object)[own])
    product_en = np.where(est >= 0, establishments["products_en"].to_numpy()[est],
                          np.asarray([p.en for p in PRODUCTS], dtype=object)[own])
    support = support_millions(rng, activity, year, level)
    status = draw_status(rng, year)
    start, end = project_dates(rng, year, status)
    text = project_texts(rng, activity, status, year, product_vi, product_en)
    return pd.DataFrame({
        "project_id": [f"p-{c}-{y}-{s:03d}" for c, y, s in zip(codes, year, sequence(counts),
                                                               strict=True)],
        "province_code": codes, "year": year,
        "title_vi": text["title_vi"], "title_en": text["title_en"],
        "level": level, "content_type": content, "activity_type": activity,
        "establishment_id": np.where(est >= 0, establishments["establishment_id"]
                                     .to_numpy()[np.maximum(est, 0)], ""),
        "unit_id": pool_choice(rng, geo, province, period_of(year)),
        "implementing_unit": implementing_units(rng, geo, province),
        "state_support_vnd": support * MILLION,
        "counterpart_vnd": counterpart_millions(rng, activity, year, support) * MILLION,
        "disbursed_vnd": disbursed(rng, status, support) * MILLION,
        "status": status, "approval_decision": decisions(rng, level),
        "start_date": start, "end_date": end,
        "outputs_vi": text["outputs_vi"], "outputs_en": text["outputs_en"],
    })


def build_plans(rng: np.random.Generator, projects: pd.DataFrame) -> pd.DataFrame:
    """One plan row per province, year and level: approved and disbursed are the sums of
    that year's projects; the plan submitted asked for up to a quarter more."""
    amounts = pd.DataFrame({
        "province_code": projects["province_code"], "year": projects["year"],
        "level": projects["level"],
        "approved_vnd": pd.to_numeric(projects["state_support_vnd"], errors="coerce"),
        "disbursed_vnd": pd.to_numeric(projects["disbursed_vnd"], errors="coerce"),
    })
    plans = amounts.groupby(["province_code", "year", "level"], sort=True,
                            as_index=False).sum()
    n = len(plans)
    asked = np.ceil(plans["approved_vnd"] * rng.uniform(1.0, 1.25, n) / MILLION) * MILLION
    plans.insert(3, "planned_vnd", asked.astype(np.int64))
    plans["decision"] = decisions(rng, plans["level"].to_numpy())
    plans["note_vi"] = ""
    plans["note_en"] = ""
    return plans


def showcases(rng: np.random.Generator, establishments: pd.DataFrame,
              projects: pd.DataFrame) -> np.ndarray:
    """About one supported establishment in fifty is a showcase (never one without projects,
    which the site would have nothing to show for)."""
    supported = establishments["establishment_id"].isin(projects["establishment_id"])
    chosen = supported.to_numpy() & (rng.random(len(establishments)) < 0.02)
    return np.where(chosen, "true", "false")


@dataclass(frozen=True)
class Synthetic:
    """The generated tables (as written to CSV) and the faults planted in them."""

    frames: dict[str, pd.DataFrame]
    faults: list[dict]


def synthesize(scale: float, seed: int = 2025, faults: int = 0,
               provinces: int | None = None) -> Synthetic:
    """Every generated resource of the package, deterministic for its arguments.

    ``provinces`` keeps only the first N provinces (small, fast packages for tests); the
    projects and establishments of the scale are then spread over those.
    """
    from pipeline.synth_faults import plant_plan_faults, plant_row_faults

    rng = np.random.default_rng(seed)
    geo = build_geography(rng, PROVINCES[:provinces])
    units, crosswalk = geo.frames()
    draws = draw_sizes(rng, scale, len(geo.provinces))
    establishments = build_establishments(rng, geo, draws)
    projects = build_projects(rng, geo, draws, establishments)
    establishments["showcase"] = showcases(rng, establishments, projects)
    frames = {"admin-units": units, "unit-crosswalk": crosswalk,
              "establishments": establishments, "projects": projects}
    fault_rng = np.random.default_rng([seed, 1])
    planted = plant_row_faults(fault_rng, frames, geo, faults)
    frames["annual-plans"] = build_plans(rng, frames["projects"])
    planted += plant_plan_faults(fault_rng, frames, faults)
    return Synthetic(frames=frames, faults=planted)


def write_package(out: Path, synthetic: Synthetic) -> None:
    """The package folder: data/'s descriptor, schemas and code lists, generated CSVs."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(SOURCE / "datapackage.yaml", out / "datapackage.yaml")
    shutil.copytree(SOURCE / "schemas", out / "schemas", dirs_exist_ok=True)
    for name in CODE_LISTS:
        shutil.copy(SOURCE / name, out / name)
    for name, frame in synthetic.frames.items():
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    manifest = out / "planted-faults.json"
    if synthetic.faults:
        manifest.write_text(json.dumps(synthetic.faults, ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")
    elif manifest.exists():
        manifest.unlink()


def write_synthetic(out: Path, scale: float, seed: int = 2025, faults: int = 0,
                    provinces: int | None = None) -> Synthetic:
    """Generate and write in one call (what the CLI and the benchmark use)."""
    synthetic = synthesize(scale, seed, faults, provinces)
    write_package(Path(out), synthetic)
    return synthetic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1 = 50,000 projects and 15,000 establishments (may be fractional)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the package to")
    parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    parser.add_argument("--faults", type=int, default=0,
                        help="plant this many known errors; listed in planted-faults.json")
    parser.add_argument("--provinces", type=int, default=None,
                        help="keep only the first N of the 34 provinces (small test packages)")


def run(args: argparse.Namespace) -> int:
    try:
        synthetic = write_synthetic(args.out, args.scale, args.seed, args.faults,
                                    args.provinces)
    except SynthError as exc:
        print(f"synth: {exc}")
        return 2
    sizes = ", ".join(f"{name} {len(frame):,}" for name, frame in synthetic.frames.items())
    print(f"Wrote {args.out}: {sizes}; {len(synthetic.faults)} planted faults")
    return 0
