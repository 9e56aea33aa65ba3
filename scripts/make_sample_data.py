"""Write the illustrative Cao Bằng sample data in data/ (run once; the CSVs are committed).

No per-project list is public, so the rows are invented, deterministically from a seed, to
agree with the published aggregates: 99 projects in 2012-2022 (39 national, 60 local), more
than 96 billion VND of counterpart funding, no projects under the two contents Cao Bằng never
implemented, 23 projects in 2021-2025 of which 7 national, no approved local funding in
2023-2024. Administrative units come from the GSO lists summarised in ../shared/reference.

Usage: python scripts/make_sample_data.py [path/to/reference]
"""

from __future__ import annotations

import csv
import random
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
REFERENCE = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference"
PROVINCE = "04"
CENTRE = "Trung tâm Khuyến công và Tư vấn phát triển công nghiệp Cao Bằng"
DEPARTMENT = "Sở Công Thương Cao Bằng"
rng = random.Random(20121)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --- administrative units -------------------------------------------------------------------

DISTRICTS = [  # unit_id, code, type, name, valid_from, valid_to
    ("040", "040", "Thành phố", "Cao Bằng", "", "2025-06-30"),
    ("042", "042", "Huyện", "Bảo Lâm", "", "2025-06-30"),
    ("043", "043", "Huyện", "Bảo Lạc", "", "2025-06-30"),
    ("044", "044", "Huyện", "Thông Nông", "", "2020-02-29"),
    ("045", "045", "Huyện", "Hà Quảng", "", "2025-06-30"),
    ("046", "046", "Huyện", "Trà Lĩnh", "", "2020-02-29"),
    ("047", "047", "Huyện", "Trùng Khánh", "", "2025-06-30"),
    ("048", "048", "Huyện", "Hạ Lang", "", "2025-06-30"),
    ("049", "049", "Huyện", "Quảng Uyên", "", "2020-02-29"),
    ("049-2020", "049", "Huyện", "Quảng Hòa", "2020-03-01", "2025-06-30"),
    ("050", "050", "Huyện", "Phục Hòa", "", "2020-02-29"),
    ("051", "051", "Huyện", "Hòa An", "", "2025-06-30"),
    ("052", "052", "Huyện", "Nguyên Bình", "", "2025-06-30"),
    ("053", "053", "Huyện", "Thạch An", "", "2025-06-30"),
]
MERGED_2020 = {"044": "045", "046": "047", "049": "049-2020", "050": "049-2020"}
LAW_2020 = "Nghị quyết 897/NQ-UBTVQH14"
LAW_2025 = "Nghị quyết 1657/NQ-UBTVQH15"


def district_row(uid, code, kind, name, valid_from, valid_to):
    prefix = "Thành phố" if kind == "Thành phố" else "Huyện"
    name_en = f"{name} City" if kind == "Thành phố" else f"{name} District"
    return dict(unit_id=uid, code=code, level="district", type_vi=kind,
                name_vi=f"{prefix} {name}", name_en=name_en, parent_id=PROVINCE,
                province_code=PROVINCE, valid_from=valid_from, valid_to=valid_to)


def read_communes() -> tuple[list[dict], dict[str, set[str]]]:
    """Today's communes and, for each 2020-2025 district, the communes that took it over."""
    with open(REFERENCE / "cao-bang-communes-2025.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    communes: dict[str, dict] = {}
    overlaps: dict[str, set[str]] = {}
    for row in rows:
        code = row["commune_code_2025"]
        kind = row["type"]
        bare = nfc(row["name_vi"]).split(" ", 1)[1]
        uid = f"{code}-2025"
        communes[uid] = dict(unit_id=uid, code=code, level="commune", type_vi=kind,
                             name_vi=nfc(row["name_vi"]),
                             name_en=f"{bare} {'Ward' if kind == 'Phường' else 'Commune'}",
                             parent_id=PROVINCE, province_code=PROVINCE,
                             valid_from="2025-07-01", valid_to="")
        district = "049-2020" if row["old_district_code"] == "049" else row["old_district_code"]
        overlaps.setdefault(district, set()).add(uid)
    return sorted(communes.values(), key=lambda r: r["unit_id"]), overlaps


def admin_units() -> tuple[list[dict], list[dict], dict[str, set[str]]]:
    province = dict(unit_id=PROVINCE, code=PROVINCE, level="province", type_vi="Tỉnh",
                    name_vi="Tỉnh Cao Bằng", name_en="Cao Bằng Province", parent_id="",
                    province_code=PROVINCE, valid_from="", valid_to="")
    districts = [district_row(*d) for d in DISTRICTS]
    communes, overlaps = read_communes()
    crosswalk = [dict(from_unit_id=old, to_unit_id=new, relation="merged",
                      effective_date="2020-03-01", legal_basis=LAW_2020)
                 for old, new in MERGED_2020.items()]
    for district in sorted(overlaps):
        for commune in sorted(overlaps[district]):
            crosswalk.append(dict(from_unit_id=district, to_unit_id=commune, relation="part",
                                  effective_date="2025-07-01", legal_basis=LAW_2025))
    return [province, *districts, *communes], crosswalk, overlaps


# --- establishments -------------------------------------------------------------------------

PRODUCTS = {  # sector: [(vi, en)]
    "FOOD": [("miến dong", "arrowroot vermicelli"), ("bún khô", "dried rice noodles"),
             ("hạt dẻ Trùng Khánh", "Trùng Khánh chestnuts"), ("lạp sườn hun khói", "smoked sausage"),
             ("thạch đen", "black grass jelly"), ("bánh khảo", "khảo rice cakes"),
             ("đường phên", "slab cane sugar"), ("nấm hương", "shiitake mushrooms"),
             ("mật ong", "honey"), ("gạo nếp hương", "fragrant sticky rice")],
    "BEV": [("rượu ngô", "corn liquor"), ("hồng trà", "black tea"),
            ("trà giảo cổ lam", "jiaogulan tea"), ("rượu mơ", "apricot wine")],
    "WOOD": [("đũa tre", "bamboo chopsticks"), ("mành trúc", "bamboo blinds"),
             ("ván ghép tre", "bamboo board"), ("viên nén mùn cưa", "sawdust pellets"),
             ("đồ gỗ nội thất", "wooden furniture")],
    "BMAT": [("gạch không nung", "unfired bricks"), ("đá xây dựng", "construction stone"),
             ("ngói âm dương", "yin-yang roof tiles"), ("cấu kiện bê tông", "precast concrete")],
    "MECH": [("dao rèn", "forged knives"), ("nông cụ cầm tay", "hand farm tools"),
             ("cửa sắt", "iron doors"), ("khung nhà thép", "steel frames")],
    "CRAFT": [("hương thơm", "incense"), ("giấy bản", "handmade paper"),
              ("thổ cẩm", "brocade"), ("đồ đan lát mây tre", "rattan and bamboo weaving")],
}

# Establishments the stories and the issue name; then generated ones fill every district.
NAMED = [  # name, legal form, sector, products index list, district, commune name, showcase, ocop, award
    ("Công ty cổ phần Chế biến tre trúc Hòa An", "enterprise", "WOOD", [0, 2, 1], "051",
     "Xã Hòa An", True, None, ("region", 2019)),
    ("Hợp tác xã Miến dong Nguyên Bình", "cooperative", "FOOD", [0], "052",
     "Xã Nguyên Bình", True, 4, ("province", 2020)),
    ("Hợp tác xã Hạt dẻ Trùng Khánh", "cooperative", "FOOD", [2], "047",
     "Xã Trùng Khánh", True, 3, None),
    ("Hợp tác xã Rượu ngô Đại Hoàng", "cooperative", "BEV", [0], "045",
     "Xã Hà Quảng", True, 4, ("province", 2021)),
    ("Hộ kinh doanh Lò rèn Phúc Sen", "household", "MECH", [0, 1], "049",
     "Xã Quảng Uyên", True, 3, None),
    ("Hợp tác xã Hương Phja Thắp", "cooperative", "CRAFT", [0], "049",
     "Xã Quảng Uyên", True, None, ("national", 2022)),
    ("Công ty TNHH Bún khô Sông Bằng", "enterprise", "FOOD", [1], "040",
     "Phường Thục Phán", True, 3, None),
    ("Hợp tác xã Thổ cẩm Tày Ngọc Đào", "cooperative", "CRAFT", [2], "044",
     "Xã Thông Nông", False, 3, None),
    ("Công ty TNHH Vật liệu xây dựng Đông Khê", "enterprise", "BMAT", [0], "053",
     "Xã Đông Khê", False, None, None),
    ("Hợp tác xã Đường phên Phục Hòa", "cooperative", "FOOD", [6], "050",
     "Xã Phục Hòa", False, 3, None),
]

PLACE_OF = {"044": "Xã Thông Nông", "046": "Xã Trà Lĩnh", "049": "Xã Quảng Uyên",
            "050": "Xã Phục Hòa"}
SURNAMES = ["Nông", "Hoàng", "Lương", "Bế", "Đàm", "Lục", "Triệu", "Nguyễn", "Lý", "Đinh"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thanh"]
GIVEN = ["Lạc", "Thắm", "Hùng", "Mai", "Tuấn", "Hoa", "Dũng", "Lan", "Quân", "Sinh", "Phúc"]
FORM_PREFIX = {"enterprise": "Công ty TNHH", "cooperative": "Hợp tác xã",
               "cooperative-group": "Tổ hợp tác", "household": "Hộ kinh doanh"}
EN_FORM = {"enterprise": "company", "cooperative": "cooperative",
           "cooperative-group": "cooperative group", "household": "household business"}


def district_2020(district: str) -> str:
    return MERGED_2020.get(district, district)


def pick_commune(district: str, communes_by_name: dict, overlaps: dict) -> str:
    if district in PLACE_OF:
        return communes_by_name[PLACE_OF[district]]
    return sorted(overlaps[district_2020(district)])[rng.randrange(len(overlaps[district_2020(district)]))]


def person() -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def establishment(number, name, form, sector, products, district, commune, showcase, ocop, award):
    vi = "; ".join(PRODUCTS[sector][i][0] for i in products)
    en = "; ".join(PRODUCTS[sector][i][1] for i in products)
    located = rng.random() < 0.75
    household = form == "household"
    return dict(
        establishment_id=f"e-{PROVINCE}-{number:04d}", province_code=PROVINCE, name=nfc(name),
        legal_form=form, sector=sector, products_vi=nfc(vi), products_en=en, commune_id=commune,
        address=f"Xóm {rng.choice(['Nà', 'Bản', 'Pác', 'Khuổi', 'Lũng'])} {rng.choice(['Mạ', 'Chang', 'Rài', 'Pác', 'Sảng'])}",
        latitude=f"{rng.uniform(22.35, 23.05):.5f}" if located else "",
        longitude=f"{rng.uniform(105.4, 106.7):.5f}" if located else "",
        founded_year=str(rng.randint(1995, 2012)), employees=str(rng.randint(3, 12) if household else rng.randint(8, 85)),
        ocop_stars="" if ocop is None else str(ocop),
        typical_product_level="" if award is None else award[0],
        typical_product_year="" if award is None else str(award[1]),
        showcase="true" if showcase else "false",
        owner_name=nfc(person()) if household else "",
        phone=f"09{rng.randint(10000000, 99999999)}" if household else "",
    ), district


def establishments(overlaps, communes) -> tuple[list[dict], dict[str, str]]:
    """Return rows and each establishment's historical (pre-2020) district."""
    by_name = {c["name_vi"]: c["unit_id"] for c in communes}
    rows, home = [], {}
    for number, (name, form, sector, products, district, commune, showcase, ocop, award) in enumerate(NAMED, 1):
        row, _ = establishment(number, name, form, sector, products, district, by_name[commune],
                               showcase, ocop, award)
        rows.append(row)
        home[row["establishment_id"]] = district
    districts = [d[0] for d in DISTRICTS if d[0] != "049-2020"]
    forms = ["enterprise", "cooperative", "cooperative", "cooperative-group", "household", "household"]
    for number in range(len(NAMED) + 1, 65):
        district = districts[(number - 1) % len(districts)]
        sector = rng.choice(sorted(PRODUCTS))
        form = rng.choice(forms)
        product = rng.randrange(len(PRODUCTS[sector]))
        commune = pick_commune(district, by_name, overlaps)
        place = next(c["name_vi"] for c in communes if c["unit_id"] == commune).split(" ", 1)[1]
        label = PRODUCTS[sector][product][0]
        name = f"{FORM_PREFIX[form]} {label[0].upper()}{label[1:]} {place}"
        if form == "household":
            name = f"{FORM_PREFIX[form]} {label} {rng.choice(['Nà Rụa', 'Bó Tờ', 'Pác Bó', 'Khau Đồn', 'Nà Mè', 'Lũng Pảng'])} {number}"
        ocop = rng.choice([None, None, None, 3, 3, 4])
        award = rng.choice([None, None, None, ("province", rng.randint(2014, 2023))])
        row, _ = establishment(number, name, form, sector, [product], district, commune,
                               rng.random() < 0.3, ocop, award)
        rows.append(row)
        home[row["establishment_id"]] = district
    return rows, home


# --- projects -------------------------------------------------------------------------------

NATIONAL = {2012: 3, 2013: 3, 2014: 4, 2015: 4, 2016: 4, 2017: 4, 2018: 4, 2019: 5, 2020: 5,
            2021: 2, 2022: 1, 2023: 2, 2024: 1, 2025: 1}
LOCAL = {2012: 3, 2013: 4, 2014: 4, 2015: 5, 2016: 5, 2017: 6, 2018: 6, 2019: 6, 2020: 5,
         2021: 8, 2022: 8}
RETURNED = {("local", 2014), ("national", 2016), ("local", 2018), ("local", 2021)}
STOPPED = {("local", 2015), ("national", 2019)}


def project_kind(level: str, year: int, index: int) -> tuple[str, str]:
    """Content type and activity: machinery dominates; national funds the bigger lines."""
    if level == "national":
        options = [("MHTD", "tech-line"), ("MHTD", "machinery"), ("MHTD", "demo-model"),
                   ("MHTD", "tech-line"), ("SPTB", "typical-product"), ("DT", "training")]
    else:
        options = [("MHTD", "machinery"), ("MHTD", "machinery"), ("MHTD", "machinery"),
                   ("DT", "training"), ("TVTT", "information"), ("SPTB", "fair"),
                   ("NLQL", "management-training"), ("NLKC", "training"), ("MHTD", "machinery")]
    return options[(year * 7 + index * 3) % len(options)]


def state_amount(activity: str, level: str, year: int) -> int:
    million = 1_000_000
    if activity == "machinery":
        return rng.randint(90, 300 if level == "national" else 250) * million
    if activity == "tech-line":
        return rng.randint(300, 450) * million
    if activity == "demo-model":
        return rng.randint(350, 500 if year <= 2018 else 1200) * million
    return rng.randint(40, 180) * million


def counterpart_ratio(activity: str, year: int) -> float:
    if activity in ("machinery", "tech-line", "demo-model"):
        low = 2.4 if activity == "demo-model" and year <= 2018 else 1.5
        return rng.uniform(max(low, 3.0), 9.0)
    return 0.0


TITLES = {
    "machinery": ("Hỗ trợ ứng dụng máy móc thiết bị tiên tiến trong sản xuất {p}",
                  "Support for advanced machinery in producing {p}"),
    "tech-line": ("Hỗ trợ ứng dụng dây chuyền công nghệ sản xuất {p}",
                  "Support for a technology line producing {p}"),
    "demo-model": ("Xây dựng mô hình trình diễn kỹ thuật sản xuất {p}",
                   "Technical demonstration model for producing {p}"),
    "training": ("Đào tạo nghề, truyền nghề {p} năm {y}", "Vocational training in {p}, {y}"),
    "management-training": ("Tập huấn nâng cao năng lực quản lý cho cơ sở công nghiệp nông thôn năm {y}",
                            "Management training for rural industrial establishments, {y}"),
    "fair": ("Tham gia hội chợ, triển lãm sản phẩm công nghiệp nông thôn năm {y}",
             "Trade fairs for rural industrial products, {y}"),
    "typical-product": ("Bình chọn sản phẩm công nghiệp nông thôn tiêu biểu năm {y}",
                        "Typical rural industrial product contest, {y}"),
    "information": ("Thông tin tuyên truyền hoạt động khuyến công năm {y}",
                    "Information and publicity on industrial promotion, {y}"),
}


def outputs(activity: str, products: tuple[str, str]) -> tuple[str, str]:
    n = rng.randint(2, 8)
    jobs = rng.randint(4, 30)
    if activity in ("machinery", "tech-line", "demo-model"):
        return (f"Lắp đặt {n} máy, thiết bị sản xuất {products[0]}; tạo việc làm cho {jobs} lao động",
                f"Installed {n} machines for {products[1]}; work for {jobs} people")
    if activity in ("training", "management-training"):
        people = rng.randint(20, 60)
        return (f"Đào tạo {people} học viên", f"Trained {people} people")
    if activity == "fair":
        return (f"{n} cơ sở tham gia hội chợ", f"{n} establishments took part in fairs")
    if activity == "typical-product":
        return (f"{n} sản phẩm được công nhận", f"{n} products recognised")
    return (f"Phát hành {n * 100} tờ rơi và {n} chuyên mục truyền hình",
            f"{n * 100} leaflets and {n} TV programmes")


def unit_for(year: int, district: str, commune: str) -> str:
    if year >= 2025:
        return commune
    return district_2020(district) if year >= 2020 else district


def projects(ests: list[dict], home: dict[str, str]) -> list[dict]:
    rows: list[dict] = []
    by_sector_cycle = list(ests)
    rng.shuffle(by_sector_cycle)
    showcase_first = [e for e in ests if e["showcase"] == "true"] + by_sector_cycle
    cursor = 0
    for year in range(2012, 2026):
        counter = 0
        for level, counts in (("national", NATIONAL), ("local", LOCAL)):
            for index in range(counts.get(year, 0)):
                counter += 1
                content, activity = project_kind(level, year, index)
                est = None
                if content == "MHTD" or (activity == "training" and content == "DT" and index % 2 == 0):
                    est = showcase_first[cursor % len(showcase_first)]
                    cursor += 1
                rows.append(make_project(year, counter, level, content, activity, est, home))
    mark_statuses(rows)
    return rows


def make_project(year, counter, level, content, activity, est, home):
    if est is not None:
        products = (est["products_vi"].split("; ")[0], est["products_en"].split("; ")[0])
        district = home[est["establishment_id"]]
        unit = unit_for(year, district, est["commune_id"])
    else:
        products = ("thủ công mỹ nghệ", "handicrafts")
        unit = "045" if year < 2025 else "01273-2025"
        unit = ["040", "051", "052", "047", "045"][counter % 5] if year < 2025 else "01273-2025"
    vi, en = TITLES[activity]
    state = state_amount(activity, level, year)
    start = f"{year}-{rng.randint(3, 6):02d}-{rng.randint(1, 28):02d}"
    out_vi, out_en = outputs(activity, products)
    return dict(
        project_id=f"p-{PROVINCE}-{year}-{counter:03d}", province_code=PROVINCE, year=year,
        title_vi=nfc(vi.format(p=products[0], y=year)), title_en=en.format(p=products[1], y=year),
        level=level, content_type=content, activity_type=activity,
        establishment_id="" if est is None else est["establishment_id"], unit_id=unit,
        implementing_unit=DEPARTMENT if activity == "information" else CENTRE,
        state_support_vnd=state,
        counterpart_vnd=int(round(state * counterpart_ratio(activity, year), -6)),
        disbursed_vnd=state, status="completed",
        approval_decision=(f"{rng.randint(100, 3999)}/QĐ-BCT" if level == "national"
                           else f"{rng.randint(100, 2999)}/QĐ-UBND"),
        start_date=start, end_date=f"{year}-{rng.randint(10, 12):02d}-{rng.randint(1, 28):02d}",
        outputs_vi=nfc(out_vi), outputs_en=out_en,
    )


def mark_statuses(rows: list[dict]) -> None:
    """Stopped and returned projects spend nothing; the newest one is still running."""
    seen: set[tuple[str, int]] = set()
    for row in rows:
        key = (row["level"], row["year"])
        if row["activity_type"] not in ("machinery", "tech-line") or key in seen:
            continue
        if key in RETURNED or key in STOPPED:
            seen.add(key)
            row["status"] = "returned" if key in RETURNED else "stopped"
            row["disbursed_vnd"] = 0
            row["counterpart_vnd"] = 0
            row["outputs_vi"] = ("Cơ sở không triển khai được, trả lại kinh phí" if key in RETURNED
                                 else "Dừng thực hiện theo quyết định điều chỉnh kế hoạch")
            row["outputs_en"] = ("The establishment could not carry it out and returned the funds"
                                 if key in RETURNED else "Stopped by a plan adjustment decision")
            if key in RETURNED:
                row["end_date"] = ""
    latest = rows[-1]
    latest.update(status="in-progress", disbursed_vnd=0, end_date="",
                  outputs_vi="Đang thực hiện", outputs_en="In progress")


def scale_counterpart(rows: list[dict], target: int) -> None:
    """Scale counterpart funding of 2012-2022 so that the total meets the published figure."""
    period = [r for r in rows if 2012 <= r["year"] <= 2022 and r["counterpart_vnd"]]
    total = sum(r["counterpart_vnd"] for r in period)
    factor = target / total
    for row in period:
        row["counterpart_vnd"] = max(int(round(row["counterpart_vnd"] * factor, -6)),
                                     row["state_support_vnd"] * 3)


# --- plans ----------------------------------------------------------------------------------

def plans(rows: list[dict]) -> list[dict]:
    out = []
    for year in range(2012, 2026):
        for level in ("national", "local"):
            these = [r for r in rows if r["year"] == year and r["level"] == level]
            approved = sum(r["state_support_vnd"] for r in these)
            disbursed = sum(r["disbursed_vnd"] for r in these)
            note_vi = note_en = ""
            if level == "local" and year in (2023, 2024):
                planned = {2023: 650_000_000, 2024: 720_000_000}[year]
                note_vi = ("Không có kinh phí khuyến công địa phương được duyệt; hoạt động lồng ghép với nội dung khác"
                           if year == 2023 else "Kế hoạch trình Ủy ban nhân dân tỉnh nhưng không được phê duyệt")
                note_en = ("No local industrial-promotion funding approved; work folded into other programmes"
                           if year == 2023 else "Plan submitted to the Provincial People's Committee but not approved")
            elif not these:
                continue
            else:
                planned = int(round(approved * rng.uniform(1.05, 1.3), -6))
            out.append(dict(province_code=PROVINCE, year=year, level=level, planned_vnd=planned,
                            approved_vnd=approved, disbursed_vnd=disbursed,
                            decision=("" if not these else
                                      (f"{rng.randint(100, 3999)}/QĐ-BCT" if level == "national"
                                       else f"{rng.randint(100, 2999)}/QĐ-UBND")),
                            note_vi=nfc(note_vi), note_en=note_en))
    return out


def write(name: str, rows: list[dict]) -> None:
    path = DATA / f"{name}.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{path.relative_to(ROOT)}: {len(rows)} rows")


def main() -> None:
    units, crosswalk, overlaps = admin_units()
    communes = [u for u in units if u["level"] == "commune"]
    ests, home = establishments(overlaps, communes)
    rows = projects(ests, home)
    scale_counterpart(rows, 96_800_000_000)
    write("admin-units", units)
    write("unit-crosswalk", crosswalk)
    write("establishments", ests)
    write("projects", rows)
    write("annual-plans", plans(rows))


if __name__ == "__main__":
    main()
