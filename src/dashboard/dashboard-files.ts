import { static as serveStatic } from 'express';
import type { RequestHandler } from 'express';
import { dirname, join } from 'node:path';

/** The live dashboard's own files (public/ at the top of the repo, from src/ or dist/). */
const DASHBOARD_DIR = join(__dirname, '..', '..', 'public');

/** Paths that belong to the API, the probes and the scrape endpoint, never to the dashboard. */
const SERVED_BY_NEST = /^\/(api|health|metrics)(\/|$)/;

const packageFile = (name: string, file: string) =>
  join(dirname(require.resolve(`${name}/package.json`)), file);

/**
 * Files served under another name: the libraries the page imports, straight from their npm
 * packages (dependencies, so a production install has them: no copy to keep up to date, no build
 * step), and the icon browsers ask for at /favicon.ico whatever the page links.
 */
const MAPPED_FILES: ReadonlyMap<string, string> = new Map([
  ['/favicon.ico', join(DASHBOARD_DIR, 'favicon.svg')],
  ['/vendor/uplot.esm.js', packageFile('uplot', 'dist/uPlot.esm.js')],
  ['/vendor/uplot.min.css', packageFile('uplot', 'dist/uPlot.min.css')],
  ['/vendor/eventsource-parser.js', packageFile('eventsource-parser', 'dist/index.js')],
]);

/**
 * The dashboard's files at `/`. Only files that exist are served, so nothing of Nest's is
 * shadowed, and API paths skip the lookup: it costs a file-system call per request, stream
 * connects included.
 */
export function dashboardFiles(): RequestHandler {
  const serveFile = serveStatic(DASHBOARD_DIR, { index: 'index.html', redirect: false });
  return (request, response, next) => {
    if (SERVED_BY_NEST.test(request.path)) return next();
    const mapped = request.method === 'GET' ? MAPPED_FILES.get(request.path) : undefined;
    if (mapped) return response.sendFile(mapped);
    serveFile(request, response, next);
  };
}
