async (items) => {
  const out = [];
  for (const it of items) {
    const div = document.createElement('div'); document.body.appendChild(div);
    await Plotly.newPlot(div, it.fig.data, it.fig.layout, {staticPlot: true});
    const svgs = [...div.querySelectorAll('svg.main-svg')];
    const root = div.querySelector('svg.main-svg').getBoundingClientRect();
    const boxOf = e => e.getBoundingClientRect();
    const texts = [];
    const add = (sel, kind) => div.querySelectorAll(sel).forEach(e => { const r = boxOf(e); if (r.width > 0 && r.height > 0 && e.textContent.trim()) texts.push({kind, t: e.textContent.trim(), r}); });
    add('.xtick text', 'xtick'); add('.ytick text', 'ytick'); add('.legendtext', 'legend');
    add('.annotation-text', 'annotation'); add('text.gtitle', 'title'); add('text.gtitle-subtitle', 'subtitle'); add('.xtitle', 'xtitle'); add('.ytitle', 'ytitle');
    const problems = [];
    const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
    for (let i = 0; i < texts.length; i++) {
      const a = texts[i];
      if (a.r.left < root.left - 1 || a.r.right > root.right + 1 || a.r.top < root.top - 1 || a.r.bottom > root.bottom + 1)
        problems.push(`clipped: ${a.kind} '${a.t.slice(0, 40)}'`);
      for (let j = i + 1; j < texts.length; j++) {
        const b = texts[j];
        if (hit(a.r, b.r)) problems.push(`overlap: ${a.kind} '${a.t.slice(0, 30)}' / ${b.kind} '${b.t.slice(0, 30)}'`);
      }
    }
    const fl = div._fullLayout;
    for (const ax of ['xaxis', 'yaxis']) {
      const a = fl[ax]; if (!a || a.type === 'category') continue;
      const labels = new Set([...div.querySelectorAll(`.${ax[0]}tick text`)].map(e => e.textContent.trim()).filter(Boolean));
      if (labels.size < 3) problems.push(`ticks: ${ax} has ${labels.size} labels`);
    }
    if (it.span && fl.xaxis.type === 'date') {
      const r = fl.xaxis.range.map(v => new Date(v).getTime());
      const s = it.span[1] - it.span[0];
      // one date: the axis spans a month either side of it (axes.one_date_axis); else 5% of the span
      const pad = s < 86400000 ? 86400000 * 32 : Math.max(s * 0.05, 86400000 * 2);
      if (r[0] < it.span[0] - pad || r[1] > it.span[1] + pad) problems.push(`xrange: ${fl.xaxis.range} vs data`);
    }
    out.push({id: it.id, problems: [...new Set(problems)].slice(0, 8)});
    Plotly.purge(div); div.remove();
  }
  return out;
}
