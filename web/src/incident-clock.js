// An incident clock as people read it: its state now (a running clock past its due time is
// overdue, as the server says) and the time left or over as 'h:mm:ss' / 'm:ss'. No page
// state here, so the browser tests check it in node.

// µs → '9:05', '1:02:03'.
export function span(us) {
  const s = Math.max(0, Math.floor(us / 1e6));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

// { state: 'running' | 'overdue' | 'met' | 'suspended', span: time left or over ('' when met
// or suspended) }.
export function countdown(clock, nowUs) {
  if (clock.state === 'met' || clock.state === 'suspended') return { state: clock.state, span: '' };
  const left = clock.due_at - nowUs;
  if (left <= 0 || clock.state === 'overdue') return { state: 'overdue', span: span(-left) };
  return { state: 'running', span: span(left) };
}

// The label of a countdown with the page's translate function t.
export function countdownLabel(cd, t) {
  if (cd.state === 'overdue') return t('inc.over', { t: cd.span });
  if (cd.state === 'running') return t('inc.left', { t: cd.span });
  return t(`inc.clock.${cd.state}`);
}
