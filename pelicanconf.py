"""Pelican settings for local builds (`make html`); `publishconf.py` extends them.

The project's own settings start with KC_ and are declared, with defaults and help, in
pipeline/site_settings.py; set one here only to change it.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # so `pelican` run by hand finds pipeline/

SITENAME = "Khuyến công Cao Bằng"
SITEURL = ""
AUTHOR = "Sở Công Thương tỉnh Cao Bằng"
TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_LANG = "vi"
DEFAULT_DATE_FORMAT = "%d/%m/%Y"

PATH = "content"
THEME = "theme"
THEME_STATIC_DIR = "theme"
OUTPUT_PATH = "output"
RELATIVE_URLS = False

# Pelican auto-loads every installed plugin when PLUGINS is unset: always list them.
PLUGINS = ["pipeline.plugin"]

# Autoescape every data value; interface strings through gettext (see pipeline/i18n.py).
JINJA_ENVIRONMENT = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True,
                     "extensions": ["jinja2.ext.i18n"]}

# Stories are articles in content/stories, pages (about, data notes, contact) in content/pages.
ARTICLE_PATHS = ["stories"]
PAGE_PATHS = ["pages"]
# Never "images": photos are published only as processed, metadata-free variants
# (pipeline/image_pages.py); copying content/images would publish GPS tags and sidecars.
STATIC_PATHS = []
ARTICLE_URL = "stories/{slug}/"
ARTICLE_SAVE_AS = "stories/{slug}/index.html"
ARTICLE_LANG_URL = "{lang}/stories/{slug}/"
ARTICLE_LANG_SAVE_AS = "{lang}/stories/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
PAGE_LANG_URL = "{lang}/{slug}/"
PAGE_LANG_SAVE_AS = "{lang}/{slug}/index.html"
ARTICLE_TRANSLATION_ID = "slug"
PAGE_TRANSLATION_ID = "slug"

# The data pages replace Pelican's index, tag, category, author and archive pages.
DIRECT_TEMPLATES = []
INDEX_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
DRAFT_SAVE_AS = ""
DRAFT_LANG_SAVE_AS = ""
DEFAULT_PAGINATION = False

# Feeds only in publishconf.py (they need an absolute SITEURL).
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

MARKDOWN = {"extension_configs": {"markdown.extensions.extra": {}},
            "output_format": "html5"}

KC_DATA_DIR = str(ROOT / "data")
