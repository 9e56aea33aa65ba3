// Search page enhancement: reveals the form and queries the site's own Pagefind index
// (output/pagefind/, built by pipeline/search.py). Without this script the page still
// explains itself and links to the browse lists.
//
// The index is partitioned (one Pagefind bundle per province, for unit pages and for the
// rest of the site, so that a national site indexes in little memory and a republish reuses
// unchanged partitions): pagefind/ is the primary bundle and pagefind/kc-parts.json lists,
// per language, the other bundles merged into it with Pagefind's mergeIndex.
//
// Vietnamese without diacritics: Pagefind folds vowel marks itself ("hat de" finds "hạt dẻ")
// but not đ. The index gives every đ word an ASCII twin right after it ("Đại Dai",
// pipeline/search.py); the query's đ is folded here, so "dua", "đũa" and "Dai Hoang" all find
// their pages, and dropTwins() removes the twins from the titles and excerpts shown.

const PAGE_SIZE = 10;
const EXCERPT_LENGTH = 24;

/** The query as the index spells it: NFC, with đ/Đ folded to d/D. */
export function foldQuery(query) {
  return query.normalize("NFC").replace(/đ/g, "d").replace(/Đ/g, "D").trim();
}

/** Vietnamese without any diacritics, lower case: "Đại" -> "dai" (as pipeline/search.py). */
export function fold(word) {
  return word.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
    .replace(/\p{M}/gu, "").toLowerCase();
}

const MARKS = /<\/?mark>/g;
const LAST_WORD = /^(.*?)([\p{L}\p{N}_]*[đĐ][\p{L}\p{N}_]*)$/u;
const FIRST_WORD = /^([\p{L}\p{N}_]+)(.*)$/u;

/** Text (or Pagefind's excerpt HTML) without the index's twins: "Đại <mark>Dai</mark>" becomes
 *  "<mark>Đại</mark>", so the reader sees the page's own spelling highlighted. */
export function dropTwins(text) {
  const tokens = text.split(" ");
  const kept = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const word = tokens[i].replace(MARKS, "").match(LAST_WORD);
    const twin = (tokens[i + 1] || "").replace(MARKS, "").match(FIRST_WORD);
    if (word && twin && fold(word[2]) === twin[1].toLowerCase()) {
      const marked = tokens[i].includes("<mark>") || tokens[i + 1].includes("<mark>");
      kept.push(marked ? `${word[1]}<mark>${word[2]}</mark>${twin[2]}` : word[0] + twin[2]);
      i += 1;
    } else {
      kept.push(tokens[i]);
    }
  }
  return kept.join(" ");
}

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

function optionFor(value, count) {
  const option = document.createElement("option");
  option.value = value;
  option.textContent = `${value} (${count})`;
  return option;
}

function resultItem(data) {
  const item = document.createElement("li");
  item.className = "kc-search__result";
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = dropTwins(data.meta.title || data.url);
  const title = document.createElement("h2");
  title.className = "kc-search__result-title";
  title.append(link);
  const excerpt = document.createElement("p");
  excerpt.innerHTML = dropTwins(data.excerpt); // Pagefind escapes the text; <mark> only
  item.append(title, excerpt);
  return item;
}

class SearchPage {
  constructor(form) {
    this.form = form;
    this.text = JSON.parse(document.getElementById("kc-search-text").textContent);
    this.input = form.querySelector("input[name=q]");
    this.selects = [...form.querySelectorAll("select[data-kc-filter]")];
    this.status = document.querySelector("[data-kc-status]");
    this.list = document.querySelector("[data-kc-results]");
    this.more = document.querySelector("[data-kc-more]");
    this.noscript = document.querySelector("[data-kc-noscript]");
    this.results = [];
    this.shown = 0;
  }

  async start() {
    this.noscript.hidden = true;
    this.form.hidden = false;
    this.status.textContent = this.text.loading;
    try {
      const bundle = this.form.dataset.bundle;
      this.pagefind = await import(`${bundle}pagefind.js`);
      await this.pagefind.options({ excerptLength: EXCERPT_LENGTH });
      await this.mergeParts(bundle);
      await this.fillFilters();
    } catch (error) {
      this.form.hidden = true;
      this.noscript.hidden = false;
      this.status.textContent = this.text.unavailable;
      return;
    }
    this.status.textContent = "";
    this.readAddress();
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.run(0); });
    this.input.addEventListener("input", () => this.run(300));
    this.selects.forEach((select) => select.addEventListener("change", () => this.run(0)));
    this.more.querySelector("button").addEventListener("click", () => this.showMore());
    if (this.input.value || this.chosenFilters().length) this.run(0);
  }

  /** Merge the partitions of this page's language. Their folders are named after their
   *  content, so their entry files may be cached (metaCacheTag). */
  async mergeParts(bundle) {
    const response = await fetch(`${bundle}kc-parts.json`);
    if (!response.ok) return; // an index of one bundle
    const listed = (await response.json()).languages || {};
    const parts = listed[document.documentElement.lang] || [];
    await Promise.all(parts.map((part) => this.pagefind.mergeIndex(`${bundle}${part}`, {
      excerptLength: EXCERPT_LENGTH, metaCacheTag: part,
    })));
  }

  async fillFilters() {
    const available = await this.pagefind.filters();
    for (const select of this.selects) {
      const values = available[select.dataset.kcFilter] || {};
      Object.keys(values).sort((a, b) => a.localeCompare(b, document.documentElement.lang))
        .forEach((value) => select.append(optionFor(value, values[value])));
    }
  }

  readAddress() {
    const params = new URLSearchParams(window.location.search);
    this.input.value = params.get("q") || "";
    for (const select of this.selects) {
      const wanted = params.get(select.name);
      if (wanted && [...select.options].some((o) => o.value === wanted)) select.value = wanted;
    }
  }

  chosenFilters() {
    return this.selects.filter((s) => s.value).map((s) => [s.dataset.kcFilter, s.value]);
  }

  writeAddress(query) {
    const params = new URLSearchParams();
    if (query) params.set("q", query);
    this.chosenFilters().forEach(([name, value]) => params.set(name, value));
    const search = params.toString();
    window.history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
  }

  async run(delay) {
    const query = this.input.value.trim();
    const filters = Object.fromEntries(this.chosenFilters());
    this.writeAddress(query);
    if (!query && !Object.keys(filters).length) {
      this.list.replaceChildren();
      this.more.hidden = true;
      this.status.textContent = "";
      return;
    }
    const search = await this.pagefind.debouncedSearch(foldQuery(query) || null,
                                                       { filters }, delay);
    if (search === null) return; // a newer keystroke superseded this search
    this.results = search.results;
    this.shown = 0;
    this.list.replaceChildren();
    await this.showMore();
    const found = this.results.length ? this.text.count : this.text.none;
    const template = query ? found : this.text.count_filtered;
    this.status.textContent = format(template, { count: this.results.length, query });
  }

  async showMore() {
    const next = this.results.slice(this.shown, this.shown + PAGE_SIZE);
    const data = await Promise.all(next.map((result) => result.data()));
    data.forEach((item) => this.list.append(resultItem(item)));
    this.shown += next.length;
    this.more.hidden = this.shown >= this.results.length;
  }
}

const form = typeof document === "undefined" ? null : document.querySelector("[data-kc-search]");
if (form) new SearchPage(form).start();
