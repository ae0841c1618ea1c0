// The first page of a PDF drawn on a canvas, for the evidence preview.
// pdf.js is large, so it is imported only when a PDF is previewed: neither
// the app's first screen nor the unit tests load it. Its worker is a file of
// the build (allowed by the CSP's worker-src 'self').

import workerUrl from "pdfjs-dist/build/pdf.worker.min.mjs?url";

export interface RenderedPdf {
  pages: number;
}

/**
 * Draws page 1 of `data` on `canvas`, scaled to `maxWidth` CSS pixels at the
 * screen's pixel density. Aborting `signal` stops the work and frees the
 * worker. `data` is handed to the worker and cannot be used afterwards.
 */
export async function renderFirstPage(data: Uint8Array, canvas: HTMLCanvasElement, maxWidth: number, signal: AbortSignal): Promise<RenderedPdf> {
  const pdfjs = await import("pdfjs-dist");
  pdfjs.GlobalWorkerOptions.workerSrc = workerUrl;
  // isEvalSupported: false, because the CSP forbids eval and pdf.js would
  // otherwise try it for fonts and log an error each time.
  const task = pdfjs.getDocument({ data, isEvalSupported: false });
  const stop = () => void task.destroy();
  signal.addEventListener("abort", stop);
  try {
    const doc = await task.promise;
    const page = await doc.getPage(1);
    const natural = page.getViewport({ scale: 1 });
    const density = window.devicePixelRatio || 1;
    const scale = Math.min(2, maxWidth / natural.width);
    const viewport = page.getViewport({ scale: scale * density });
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = `${Math.floor(viewport.width / density)}px`;
    canvas.style.height = `${Math.floor(viewport.height / density)}px`;
    await page.render({ canvas, viewport }).promise;
    return { pages: doc.numPages };
  } finally {
    signal.removeEventListener("abort", stop);
    stop();
  }
}
