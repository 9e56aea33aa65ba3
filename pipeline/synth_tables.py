"""Word lists behind the synthetic national package (`pipeline/synth.py`).

ILLUSTRATIVE: the 34 provinces follow the 2025 merger as we remember it (each new province keeps
the code of one predecessor, the others become historical units); codes, names and centroids are
good enough for a benchmark, not a reference. Check the official lists before reusing them.
"""

from __future__ import annotations

from typing import NamedTuple


class Province(NamedTuple):
    """A province after 1 July 2025 and the provinces it absorbed (code, name)."""

    code: str
    name: str
    kind: str  # "Tỉnh" or "Thành phố" (centrally run city)
    lat: float
    lon: float
    absorbed: tuple[tuple[str, str], ...] = ()


PROVINCES: tuple[Province, ...] = (
    Province("01", "Hà Nội", "Thành phố", 21.03, 105.85),
    Province("04", "Cao Bằng", "Tỉnh", 22.67, 106.26),
    Province("08", "Tuyên Quang", "Tỉnh", 21.82, 105.21, (("02", "Hà Giang"),)),
    Province("11", "Điện Biên", "Tỉnh", 21.39, 103.02),
    Province("12", "Lai Châu", "Tỉnh", 22.40, 103.46),
    Province("14", "Sơn La", "Tỉnh", 21.33, 103.91),
    Province("15", "Lào Cai", "Tỉnh", 21.72, 104.91, (("10", "Lào Cai"),)),
    Province("19", "Thái Nguyên", "Tỉnh", 21.59, 105.85, (("06", "Bắc Kạn"),)),
    Province("20", "Lạng Sơn", "Tỉnh", 21.85, 106.76),
    Province("22", "Quảng Ninh", "Tỉnh", 21.01, 107.29),
    Province("24", "Bắc Ninh", "Tỉnh", 21.27, 106.19, (("27", "Bắc Ninh"),)),
    Province("25", "Phú Thọ", "Tỉnh", 21.32, 105.40, (("26", "Vĩnh Phúc"), ("17", "Hòa Bình"))),
    Province("31", "Hải Phòng", "Thành phố", 20.86, 106.68, (("30", "Hải Dương"),)),
    Province("33", "Hưng Yên", "Tỉnh", 20.65, 106.05, (("34", "Thái Bình"),)),
    Province("37", "Ninh Bình", "Tỉnh", 20.25, 105.97, (("35", "Hà Nam"), ("36", "Nam Định"))),
    Province("38", "Thanh Hóa", "Tỉnh", 19.81, 105.78),
    Province("40", "Nghệ An", "Tỉnh", 18.67, 105.68),
    Province("42", "Hà Tĩnh", "Tỉnh", 18.34, 105.91),
    Province("44", "Quảng Trị", "Tỉnh", 17.47, 106.60, (("45", "Quảng Trị"),)),
    Province("46", "Huế", "Thành phố", 16.46, 107.59),
    Province("48", "Đà Nẵng", "Thành phố", 16.05, 108.20, (("49", "Quảng Nam"),)),
    Province("51", "Quảng Ngãi", "Tỉnh", 15.12, 108.80, (("62", "Kon Tum"),)),
    Province("52", "Gia Lai", "Tỉnh", 13.78, 109.22, (("64", "Gia Lai"),)),
    Province("56", "Khánh Hòa", "Tỉnh", 12.24, 109.19, (("58", "Ninh Thuận"),)),
    Province("66", "Đắk Lắk", "Tỉnh", 12.67, 108.04, (("54", "Phú Yên"),)),
    Province("68", "Lâm Đồng", "Tỉnh", 11.94, 108.44, (("67", "Đắk Nông"), ("60", "Bình Thuận"))),
    Province("75", "Đồng Nai", "Tỉnh", 10.95, 106.82, (("70", "Bình Phước"),)),
    Province("79", "Hồ Chí Minh", "Thành phố", 10.78, 106.70,
             (("74", "Bình Dương"), ("77", "Bà Rịa - Vũng Tàu"))),
    Province("80", "Tây Ninh", "Tỉnh", 10.54, 106.41, (("72", "Tây Ninh"),)),
    Province("82", "Đồng Tháp", "Tỉnh", 10.36, 106.36, (("87", "Đồng Tháp"),)),
    Province("86", "Vĩnh Long", "Tỉnh", 10.25, 105.97, (("83", "Bến Tre"), ("84", "Trà Vinh"))),
    Province("91", "An Giang", "Tỉnh", 10.01, 105.08, (("89", "An Giang"),)),
    Province("92", "Cần Thơ", "Thành phố", 10.03, 105.78,
             (("93", "Hậu Giang"), ("94", "Sóc Trăng"))),
    Province("96", "Cà Mau", "Tỉnh", 9.18, 105.15, (("95", "Bạc Liêu"),)),
)

# Syllables of Sino-Vietnamese place names; two of them make a district or commune name.
PLACE_SYLLABLES: tuple[str, ...] = (
    "An", "Bình", "Hòa", "Phú", "Tân", "Long", "Thạnh", "Phước", "Hưng", "Yên", "Thuận",
    "Xuân", "Mỹ", "Vĩnh", "Quảng", "Đức", "Nghĩa", "Thạch", "Kim", "Ngọc", "Hà", "Trung",
    "Lộc", "Thành", "Cẩm", "Tiên", "Sơn", "Lâm", "Đông", "Tây", "Hải", "Minh", "Quang",
    "Phong", "Thái", "Hồng", "Lạc", "Gia", "Khánh", "Định", "Hiệp", "Thịnh", "Cát", "Triệu",
    "Hương", "Trà", "Đại", "Tam", "Lương", "Tường", "Diên", "Châu", "Vân", "Mai", "Đồng",
    "Tuy", "Thanh", "Nhơn", "Phúc", "Tràng", "Kỳ", "Quỳnh", "Diễn", "Hoằng", "Nông", "Việt",
)
HAMLET_WORDS: tuple[str, ...] = ("Thôn", "Xóm", "Bản", "Ấp", "Tổ dân phố")

SURNAMES: tuple[str, ...] = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý", "Nông", "Lương", "Hà", "Triệu", "Đinh", "Lò", "Giàng",
)
MIDDLE_NAMES: tuple[str, ...] = ("Văn", "Thị", "Đức", "Minh", "Thanh", "Ngọc", "Hữu", "Quang")
GIVEN_NAMES: tuple[str, ...] = (
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Lan",
    "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Thắng",
    "Trang", "Tuấn", "Vân", "Yến", "Lạc", "Sen", "Khánh", "Đào",
)


class Product(NamedTuple):
    """A main product of an establishment, in both languages, with its sector code."""

    sector: str
    vi: str
    en: str


PRODUCTS: tuple[Product, ...] = (
    Product("FOOD", "miến dong", "arrowroot vermicelli"),
    Product("FOOD", "bún khô", "dried rice noodles"),
    Product("FOOD", "lạp sườn", "cured sausage"),
    Product("FOOD", "mật ong", "honey"),
    Product("FOOD", "nước mắm", "fish sauce"),
    Product("FOOD", "bánh đa", "rice crackers"),
    Product("FOOD", "tinh bột sắn", "cassava starch"),
    Product("FOOD", "hạt điều", "cashew nuts"),
    Product("FOOD", "nấm hương", "shiitake mushrooms"),
    Product("FOOD", "kẹo dừa", "coconut candy"),
    Product("BEV", "rượu ngô", "corn liquor"),
    Product("BEV", "trà xanh", "green tea"),
    Product("BEV", "trà shan tuyết", "Shan tuyết tea"),
    Product("BEV", "cà phê rang xay", "roasted coffee"),
    Product("WOOD", "đũa tre", "bamboo chopsticks"),
    Product("WOOD", "ván ghép tre", "bamboo board"),
    Product("WOOD", "đồ gỗ nội thất", "wooden furniture"),
    Product("WOOD", "viên nén mùn cưa", "sawdust pellets"),
    Product("WOOD", "mành trúc", "bamboo blinds"),
    Product("BMAT", "gạch không nung", "unfired bricks"),
    Product("BMAT", "đá xây dựng", "building stone"),
    Product("BMAT", "ngói âm dương", "yin-yang roof tiles"),
    Product("BMAT", "bê tông đúc sẵn", "precast concrete"),
    Product("MECH", "dao rèn", "forged knives"),
    Product("MECH", "nông cụ cầm tay", "hand farm tools"),
    Product("MECH", "máy tuốt lúa", "rice threshers"),
    Product("MECH", "phụ tùng cơ khí", "mechanical spare parts"),
    Product("CRAFT", "thổ cẩm", "brocade"),
    Product("CRAFT", "mây tre đan", "rattan and bamboo weaving"),
    Product("CRAFT", "gốm", "pottery"),
    Product("CRAFT", "hương", "incense"),
    Product("CRAFT", "giấy bản", "handmade paper"),
    Product("CRAFT", "chiếu cói", "sedge mats"),
    Product("CRAFT", "nón lá", "conical hats"),
)

# Establishment name prefix per legal form (households are named by trade, not by owner, so
# that no personal name reaches a public field).
LEGAL_FORM_PREFIX: dict[str, tuple[str, ...]] = {
    "enterprise": ("Công ty TNHH Sản xuất", "Công ty cổ phần Chế biến", "Công ty TNHH"),
    "cooperative": ("Hợp tác xã",),
    "cooperative-group": ("Tổ hợp tác",),
    "household": ("Hộ kinh doanh", "Cơ sở sản xuất"),
}

# Activity type -> (content type, share of projects, Vietnamese title, English title).
# "{p}" is the beneficiary's product, "{y}" the plan year.
ACTIVITIES: dict[str, tuple[str, float, str, str]] = {
    "machinery": ("MHTD", 0.34, "Hỗ trợ ứng dụng máy móc thiết bị tiên tiến trong sản xuất {p}",
                  "Support for advanced machinery in producing {pe}"),
    "tech-line": ("MHTD", 0.13, "Hỗ trợ ứng dụng dây chuyền công nghệ sản xuất {p}",
                  "Support for a technology line producing {pe}"),
    "demo-model": ("MHTD", 0.08, "Xây dựng mô hình trình diễn kỹ thuật sản xuất {p}",
                   "Technical demonstration model for producing {pe}"),
    "training": ("DT", 0.16, "Đào tạo nghề, truyền nghề sản xuất {p} năm {y}",
                 "Vocational training in producing {pe}, {y}"),
    "management-training": ("NLQL", 0.08,
                            "Tập huấn nâng cao năng lực quản lý cho cơ sở công nghiệp nông thôn "
                            "năm {y}", "Management training for rural industrial establishments, "
                            "{y}"),
    "fair": ("SPTB", 0.07, "Tham gia hội chợ, triển lãm sản phẩm công nghiệp nông thôn năm {y}",
             "Trade fairs and exhibitions of rural industrial products, {y}"),
    "typical-product": ("SPTB", 0.07, "Bình chọn sản phẩm công nghiệp nông thôn tiêu biểu năm {y}",
                        "Typical rural industrial product contest, {y}"),
    "information": ("TVTT", 0.05, "Thông tin tuyên truyền hoạt động khuyến công năm {y}",
                    "Information and publicity on industrial promotion, {y}"),
    "consulting": ("TVTT", 0.02, "Tư vấn thiết kế mẫu mã, bao bì sản phẩm {p}",
                   "Design and packaging advice for {pe}"),
}
