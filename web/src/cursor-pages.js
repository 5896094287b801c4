// Cursor paging for the lists the server pages by a cursor (audit records: `before`, the log
// store: `after`). The cursor of every page shown so far is kept, so "previous" needs no way
// back from the server.
//
// fetchPage(cursor) resolves to the answer ({ items, … }; cursor is undefined for the first
// page); nextOf(answer) is the cursor of the page after it, or null at the end. `page` is
// reactive: { items, next, answer, cursors, loading, error }.
import { reactive } from 'vue';

export function cursorPages(fetchPage, nextOf) {
  const page = reactive({ items: [], next: null, answer: null, cursors: [], loading: false, error: '' });

  // Shows the last page of `trail` (the cursors from the first page to it). The trail is kept
  // on failure too, so "previous" goes back to the page shown before.
  async function show(trail) {
    page.loading = true;
    page.error = '';
    page.cursors = trail;
    try {
      const answer = await fetchPage(trail[trail.length - 1] ?? undefined);
      page.answer = answer;
      page.items = Array.isArray(answer.items) ? answer.items : [];
      page.next = nextOf(answer) ?? null;
    } catch (e) {
      page.error = e.message;
      page.answer = null;
      page.items = [];
      page.next = null;
    } finally {
      page.loading = false;
    }
  }

  return {
    page,
    first: () => show([null]),
    next: () => (page.next !== null ? show([...page.cursors, page.next]) : undefined),
    prev: () => (page.cursors.length >= 2 ? show(page.cursors.slice(0, -1)) : undefined),
  };
}
