/** The `/` page: the server's slides as links to `/view/:id`. */
import type { SlideInfo } from '../core/server-types.js';

function describe(s: SlideInfo): string {
  const parts = [`${s.width.toLocaleString('en')} × ${s.height.toLocaleString('en')} px`];
  if (s.mpp) parts.push(`${s.mpp.toFixed(3)} µm/px`);
  const levels = s.levels?.length ?? 0;
  if (levels) parts.push(`${levels} level${levels > 1 ? 's' : ''}`);
  return parts.join(' · ');
}

/** Fills the slide list from `GET {base}/slides`. */
export async function showSlideList(base: string): Promise<void> {
  const list = document.getElementById('slides');
  const status = document.getElementById('list-status');
  if (!list || !status) return;
  try {
    const res = await fetch(`${base}/slides`, { headers: { Accept: 'application/json' } });
    if (!res.ok) {
      const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
      throw new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
    }
    const slides = (await res.json()) as SlideInfo[];
    status.textContent = slides.length === 0 ? 'No slides in the server’s folder.' : `${slides.length} slide${slides.length > 1 ? 's' : ''}`;
    for (const s of slides) {
      const a = document.createElement('a');
      a.href = `${base}/view/${encodeURIComponent(s.id)}`;
      const id = document.createElement('div');
      id.className = 'nl-slide-id';
      id.textContent = s.name ?? s.id;
      const meta = document.createElement('div');
      meta.className = 'nl-slide-meta';
      meta.textContent = describe(s);
      a.append(id, meta);
      const li = document.createElement('li');
      li.appendChild(a);
      list.appendChild(li);
    }
  } catch (e) {
    status.className = 'nl-error-box';
    status.setAttribute('role', 'alert');
    status.textContent = `Cannot list slides: ${(e as Error).message}`;
  }
}
