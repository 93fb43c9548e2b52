/**
 * Page-side layout checks for the console, as strings for page.evaluate() (the tests compile without
 * the DOM's types): the page fits the window's width, and no identifier is broken across lines.
 */

/** '' when nothing reaches past the window's right edge and no table cell spills over; otherwise what does. */
export const FITS_WINDOW = `(() => {
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) return 'the document scrolls sideways: ' + doc.scrollWidth + ' > ' + doc.clientWidth + ' px';
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // Anything inside a box that clips or scrolls sideways would hide its overflow from the document's scroll width.
    if (r.right > doc.clientWidth + 0.5) return el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' reaches ' + Math.round(r.right) + ' px, past ' + doc.clientWidth + ' px: "' + (el.textContent || '').trim().slice(0, 60) + '"';
    const style = getComputedStyle(el);
    if (/auto|scroll/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1) return el.tagName.toLowerCase() + ' scrolls sideways inside the page';
    // Text spilling out of a fixed-width table cell runs over its neighbour: as bad as scrolling.
    if ((el.tagName === 'TD' || el.tagName === 'TH') && el.scrollWidth > el.clientWidth + 1) return 'a table cell overflows: "' + (el.textContent || '').trim().slice(0, 60) + '"';
  }
  return '';
})()`;

/**
 * Identifiers broken across lines, as a list of descriptions (empty when none). Two ways to find
 * them, so the check does not depend on the console marking its ids: every element marked
 * data-ident sits on one line (and if it is cut short, shows an ellipsis and carries the whole id
 * as its title); and every id-like word anywhere in the page (one with an underscore, or a UUID's
 * first groups) lies on one line box, found by measuring the word's own text range.
 */
export const BROKEN_IDS = `(() => {
  const problems = [];
  const lines = (rects) => {
    const tops = [];
    for (const r of rects) {
      if (r.width < 0.5) continue;
      if (!tops.some((t) => Math.abs(t - r.top) < 3)) tops.push(r.top);
    }
    return tops.length;
  };
  const marked = document.querySelectorAll('[data-ident]');
  for (const el of marked) {
    if (!el.getClientRects().length) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const text = el.textContent || '';
    if (lines(range.getClientRects()) > 1) problems.push('marked id on several lines: ' + text);
    if (el.scrollWidth > el.clientWidth + 1) {
      if (getComputedStyle(el).textOverflow !== 'ellipsis') problems.push('id cut without an ellipsis: ' + text);
      if (el.getAttribute('title') !== text) problems.push('id cut without the whole id in its title: ' + text);
    }
  }
  const ID_LIKE = /[A-Za-z0-9]+(?:[-_:.][A-Za-z0-9]+)*/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let words = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement || !node.parentElement.getClientRects().length || node.parentElement.closest('script, style, noscript')) continue;
    for (const m of node.textContent.matchAll(ID_LIKE)) {
      const word = m[0];
      if (!word.includes('_') && !/[0-9a-f]{8}-[0-9a-f]{4}/.test(word)) continue;
      words++;
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + word.length);
      if (lines(range.getClientRects()) > 1) problems.push('id-like word broken across lines: ' + word);
    }
  }
  return { problems, marked: marked.length, words };
})()`;
