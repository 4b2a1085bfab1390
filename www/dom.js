// DOM helpers for the page: elements are built from text only (text nodes, attributes); nothing is ever
// parsed as HTML, so user text (instrument names, error messages) can go anywhere safely.

const SVG_NS = "http://www.w3.org/2000/svg";

export const $ = (id) => document.getElementById(id);

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.setAttribute("class", Array.isArray(v) ? v.filter(Boolean).join(" ") : v);
    else if (k === "style") Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

/** `h("td", {class: "x", "data-pool": "BTC"}, "text", node, [more])`: strings become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The same for SVG elements: `s("line", { x1: 0, … })`. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export const clear = (el) => el.replaceChildren();

/** An element's identity for `patch`: two elements of the same tag and key are the same thing. */
const keyOf = (el) => el.getAttribute("data-pool") ?? el.getAttribute("data-underlying") ?? el.getAttribute("data-testid") ?? el.id ?? "";
/** Attributes the user changes and a re-render must keep (a folded `<details>`' open state). */
const KEEP = new Set(["open"]);

/**
 * Make `el`'s children those of `next` (a freshly built, detached element) while touching only what
 * differs: a text node whose text changed gets the new text, an element of the same tag and key keeps
 * its identity (and its listeners, focus and scroll position) and has its attributes and children
 * brought up to date; anything else is replaced. An edit that changes one figure changes one text node.
 */
export function patch(el, next) {
  let a = el.firstChild;
  let b = next.firstChild;
  while (b) {
    const nb = b.nextSibling; // before b may move into el
    if (!a) { el.append(b); b = nb; continue; }
    const na = a.nextSibling;
    if (a.nodeType !== b.nodeType || (a.nodeType === 1 && (a.tagName !== b.tagName || keyOf(a) !== keyOf(b)))) el.replaceChild(b, a);
    else if (a.nodeType === 1) { syncAttributes(a, b); patch(a, b); }
    else if (a.nodeValue !== b.nodeValue) a.nodeValue = b.nodeValue;
    a = na;
    b = nb;
  }
  while (a) { const na = a.nextSibling; a.remove(); a = na; }
}
function syncAttributes(a, b) {
  const want = b.attributes;
  for (let i = 0; i < want.length; i++) {
    const { name, value } = want[i];
    if (a.getAttribute(name) === value) continue;
    if (name === "style") a.style.cssText = b.style.cssText; // through the CSSOM, as dom.js sets styles
    else a.setAttribute(name, value);
  }
  // every wanted attribute is now on a: a holds others only if it holds more
  const have = a.attributes;
  if (have.length !== want.length) {
    for (let i = have.length - 1; i >= 0; i--) {
      const { name } = have[i];
      if (!b.hasAttribute(name) && !KEEP.has(name)) a.removeAttribute(name);
    }
  }
}
