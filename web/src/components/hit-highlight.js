// The check hits marked in place in the rich-text editor (PUB-5, PUB-8, PUB-9, PUB-13): a
// ProseMirror plugin holding inline decorations, one per hit's words, with the class of its
// rule (yellow: to handle, red: remove, green: kept with a reason) and its rule in words as
// the title. Decorations are not content: they never reach the body's HTML. The editor sets
// the hits with setHits(editor, hits, checked) (`checked`: the text their byte offsets are
// into); between two settings the marks follow the edits.
import { Extension } from '@tiptap/vue-3';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { docText, hitRanges, markKind, ruleOf } from '../hit-marks.js';

export const hitKey = new PluginKey('xnHits');

function decorations(doc, hits, checked, describe) {
  const ranges = hitRanges(docText(doc), hits, checked);
  return DecorationSet.create(
    doc,
    ranges.map(({ from, to, hit }) =>
      Decoration.inline(from, to, {
        class: `xn-hit ${markKind(hit)}`,
        title: describe(hit),
        'data-hit-rule': ruleOf(hit),
        'data-testid': 'editor-hit',
      }),
    ),
  );
}

export const HitHighlight = Extension.create({
  name: 'hitHighlight',

  addOptions() {
    // the title of a mark: its words and its rule in the reader's language
    return { describe: (hit) => hit.text || '' };
  },

  addProseMirrorPlugins() {
    const describe = this.options.describe;
    return [
      new Plugin({
        key: hitKey,
        state: {
          init: () => DecorationSet.empty,
          apply(tr, set) {
            const meta = tr.getMeta(hitKey);
            if (meta) return decorations(tr.doc, meta.hits, meta.checked, describe);
            return tr.docChanged ? set.map(tr.mapping, tr.doc) : set;
          },
        },
        props: {
          decorations(state) {
            return hitKey.getState(state);
          },
        },
      }),
    ];
  },
});

// Marks `hits` in the editor's document; `checked` is the text they were found in.
export function setHits(editor, hits, checked) {
  if (!editor || editor.isDestroyed) return;
  editor.view.dispatch(editor.state.tr.setMeta(hitKey, { hits: Array.isArray(hits) ? hits : [], checked }).setMeta('addToHistory', false));
}

// The editor's text as the server checks it.
export function editorText(editor) {
  return docText(editor.state.doc).text;
}
