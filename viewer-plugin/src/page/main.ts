/**
 * Entry of the viewer page bundle (dist/nucleilens-page.js): the slide list at `/`, the
 * slide at `/view/:id`. The server's viewer router fills `data-base` with its mount path.
 */
import { showSlideList } from './slide-list.js';
import { showSlide, type PageHandle } from './slide-view.js';

const base = document.body.dataset.base ?? '';
if (document.body.classList.contains('nl-view-page')) {
  const id = decodeURIComponent(location.pathname.slice(location.pathname.lastIndexOf('/view/') + 6));
  (window as unknown as { nucleiLens: PageHandle }).nucleiLens = showSlide(base, id);
} else {
  void showSlideList(base);
}
