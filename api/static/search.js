// As-you-type search for the header's box. Every input event asks the JSON API for
// title completions and the first results, including while a syllable is still being
// composed (the IME's input events carry the half-typed syllable, and suggest reads
// it), so the panel answers as fast as the person types. An answer to an older
// keystroke is dropped (and its request aborted), never drawn over a newer one.
// A suggestion searches for that title; a result opens its show. Without JavaScript
// the box is a plain form that submits to /search.

const input = document.getElementById('q');
const form = input?.form;
if (input && form) enhance(input, form);

function enhance(input, form) {
  const panel = document.createElement('div');
  panel.id = 'live-search';
  panel.className = 'live';
  panel.hidden = true;
  form.after(panel);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', panel.id);
  input.setAttribute('aria-expanded', 'false');

  let latest = 0;
  let inflight = null;
  let active = -1;

  const close = () => {
    panel.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };

  const options = () => [...panel.querySelectorAll('[role="option"]')];

  const choose = (index) => {
    const all = options();
    if (all.length === 0) return;
    active = (index + all.length) % all.length;
    all.forEach((option, i) => option.setAttribute('aria-selected', String(i === active)));
    input.setAttribute('aria-activedescendant', all[active].id);
    all[active].scrollIntoView({ block: 'nearest' });
  };

  async function update() {
    const text = input.value.trim();
    const ticket = ++latest;
    inflight?.abort();
    if (!text) {
      close();
      return;
    }
    inflight = new AbortController();
    const q = encodeURIComponent(text);
    try {
      const [suggested, found] = await Promise.all([
        json(`/api/v1/search/suggest?limit=5&q=${q}`, inflight.signal),
        // Still typing: not counted as a search (see /api/v1/search/popular).
        json(`/api/v1/search?limit=5&typing=true&q=${q}`, inflight.signal),
      ]);
      if (ticket !== latest) return;
      draw(panel, text, suggested.items, found);
      active = -1;
      input.removeAttribute('aria-activedescendant');
      panel.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    } catch (err) {
      // A newer keystroke aborted this one; any other failure leaves the plain form.
      if (err.name !== 'AbortError' && ticket === latest) close();
    }
  }

  input.addEventListener('input', update);
  input.addEventListener('keydown', (event) => {
    if (panel.hidden) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      choose(active + (event.key === 'ArrowDown' ? 1 : -1));
    } else if (event.key === 'Enter' && active >= 0 && !event.isComposing) {
      event.preventDefault();
      options()[active].click();
    } else if (event.key === 'Escape') {
      close();
    }
  });
  document.addEventListener('click', (event) => {
    if (!panel.contains(event.target) && event.target !== input) close();
  });
  input.addEventListener('focus', () => {
    if (panel.childElementCount > 0 && input.value.trim()) {
      panel.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }
  });
}

async function json(url, signal) {
  const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

/** Replaces the panel's content: completions, then the first results, then "all results". */
function draw(panel, text, suggestions, found) {
  const content = document.createDocumentFragment();
  let n = 0;
  const option = (href, label) => {
    const link = element('a', { href, role: 'option', id: `live-option-${n++}`, 'aria-selected': 'false' });
    link.append(label);
    return link;
  };

  if (suggestions.length > 0) {
    const list = element('ul', { role: 'listbox', 'aria-label': '추천 검색어', class: 'suggestions' });
    for (const suggestion of suggestions) {
      const item = element('li', { role: 'presentation' });
      item.append(option(`/search?q=${encodeURIComponent(suggestion.title)}`, suggestion.title));
      list.append(item);
    }
    content.append(heading('추천 검색어'), list);
  }

  if (found.items.length > 0) {
    const list = element('ul', { role: 'listbox', 'aria-label': '검색 결과', class: 'found' });
    for (const hit of found.items) {
      const item = element('li', { role: 'presentation' });
      const title = element('strong', { class: 'title' });
      title.append(highlighted(hit.title_highlighted));
      const meta = element('span', { class: 'meta' });
      // A Latin query matched the English title: show where.
      const english = hit.title_en_highlighted;
      if (english?.includes('<em>') && !hit.title_highlighted.includes('<em>')) {
        meta.append(highlighted(english), ' · ');
      }
      meta.append(hit.venue);
      const label = document.createDocumentFragment();
      label.append(title, meta);
      item.append(option(`/shows/${hit.id}`, label));
      list.append(item);
    }
    content.append(heading('검색 결과'), list);
  } else if (suggestions.length === 0) {
    const nothing = element('p', { class: 'empty' });
    nothing.textContent = found.index_ready
      ? `‘${text}’에 맞는 공연이 없어요.`
      : '검색을 준비하고 있어요. 잠시 후 다시 찾아 주세요.';
    content.append(nothing);
  }

  const all = element('a', { class: 'all', href: `/search?q=${encodeURIComponent(text)}` });
  all.textContent = found.total > 0 ? `‘${text}’ 검색 결과 ${found.total}개 모두 보기` : `‘${text}’ 검색하기`;
  content.append(all);
  panel.replaceChildren(content);
  panel.dataset.query = text;
}

function heading(text) {
  const h = element('h2', { class: 'live-heading' });
  h.textContent = text;
  return h;
}

function element(name, attributes) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

/**
 * The server escapes the title and marks matched words with <em>; this keeps exactly
 * that (text and em) and turns anything else into its text, so a title can never
 * become markup here.
 */
function highlighted(html) {
  const template = document.createElement('template');
  template.innerHTML = html;
  const out = document.createDocumentFragment();
  for (const node of template.content.childNodes) {
    if (node.nodeType === Node.ELEMENT_NODE && node.nodeName === 'EM') {
      const em = document.createElement('em');
      em.textContent = node.textContent;
      out.append(em);
    } else {
      out.append(node.textContent);
    }
  }
  return out;
}
