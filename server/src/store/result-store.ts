/**
 * The results of whole-slide runs: one embedded SQLite database per slide (better-sqlite3)
 * holding every nucleus with its polygon and measurements, an R*Tree on bounding boxes for
 * viewport queries, and which compute tiles are finished, so a run interrupted by a
 * restart resumes without redoing them. The database belongs to one run identity (slide
 * file version, model, grid, post-processing parameters); a run with another identity
 * starts it afresh, and only a matching request is answered from it.
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { cellKey, type NucleusInstance, type Rect } from '@nucleilens/pipeline';

/** What the stored nuclei were computed from. */
export interface RunIdentity {
  readonly slideFingerprint: string;
  readonly modelKey: string;
  readonly tile: number;
  readonly halo: number;
  /** `postprocessKey` of the parameters. */
  readonly paramsKey: string;
}

function sameIdentity(a: RunIdentity, b: RunIdentity): boolean {
  return (
    a.slideFingerprint === b.slideFingerprint && a.modelKey === b.modelKey && a.tile === b.tile && a.halo === b.halo && a.paramsKey === b.paramsKey
  );
}

/** A stored nucleus. */
export interface StoredNucleus {
  readonly col: number;
  readonly row: number;
  readonly instance: NucleusInstance;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tiles (col INTEGER NOT NULL, row INTEGER NOT NULL, nuclei INTEGER NOT NULL, PRIMARY KEY (col, row)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nuclei (
  id INTEGER PRIMARY KEY,
  col INTEGER NOT NULL,
  row INTEGER NOT NULL,
  cx REAL NOT NULL,
  cy REAL NOT NULL,
  instance TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS nuclei_cell ON nuclei (row, col);
CREATE VIRTUAL TABLE IF NOT EXISTS nuclei_bbox USING rtree (id, min_x, max_x, min_y, max_y);
`;

/**
 * @example
 * const store = ResultStore.open('.cache/server/results/slide.sqlite');
 * store.beginRun(identity);
 * store.writeTile(3, 4, instances);
 */
export class ResultStore {
  private readonly db: Db;
  private identityCache: RunIdentity | null | undefined;
  private readonly q: {
    getMeta: Statement<[string], { value: string }>;
    setMeta: Statement<[string, string]>;
    tileDone: Statement<[number, number], { nuclei: number }>;
    doneTiles: Statement<[], { col: number; row: number }>;
    deleteCellBoxes: Statement<[number, number]>;
    deleteCell: Statement<[number, number]>;
    insertNucleus: Statement<[number, number, number, number, string]>;
    insertBox: Statement<[number | bigint, number, number, number, number]>;
    upsertTile: Statement<[number, number, number]>;
    inRect: Statement<[number, number, number, number, number, number, number, number], { col: number; row: number; instance: string }>;
    meeting: Statement<[number, number, number, number], { col: number; row: number; instance: string }>;
    page: Statement<[number, number], { id: number; col: number; row: number; instance: string }>;
    counts: Statement<[], { tiles: number; nuclei: number }>;
  };

  private constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // WAL + NORMAL survives a process crash (what resume needs); only an OS crash may lose the last tiles.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.q = {
      getMeta: this.db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      tileDone: this.db.prepare('SELECT nuclei FROM tiles WHERE col = ? AND row = ?'),
      doneTiles: this.db.prepare('SELECT col, row FROM tiles'),
      deleteCellBoxes: this.db.prepare('DELETE FROM nuclei_bbox WHERE id IN (SELECT id FROM nuclei WHERE col = ? AND row = ?)'),
      deleteCell: this.db.prepare('DELETE FROM nuclei WHERE col = ? AND row = ?'),
      insertNucleus: this.db.prepare('INSERT INTO nuclei (col, row, cx, cy, instance) VALUES (?, ?, ?, ?, ?)'),
      insertBox: this.db.prepare('INSERT INTO nuclei_bbox (id, min_x, max_x, min_y, max_y) VALUES (?, ?, ?, ?, ?)'),
      upsertTile: this.db.prepare('INSERT INTO tiles (col, row, nuclei) VALUES (?, ?, ?) ON CONFLICT (col, row) DO UPDATE SET nuclei = excluded.nuclei'),
      // Centroid in the rectangle: the R*Tree narrows to boxes meeting it (a box holds its centroid).
      inRect: this.db.prepare(
        `SELECT n.col, n.row, n.instance FROM nuclei_bbox b JOIN nuclei n ON n.id = b.id
         WHERE b.max_x > ? AND b.min_x < ? AND b.max_y > ? AND b.min_y < ?
           AND n.cx >= ? AND n.cx < ? AND n.cy >= ? AND n.cy < ?
         ORDER BY n.id`,
      ),
      meeting: this.db.prepare(
        `SELECT n.col, n.row, n.instance FROM nuclei_bbox b JOIN nuclei n ON n.id = b.id
         WHERE b.max_x > ? AND b.min_x < ? AND b.max_y > ? AND b.min_y < ? ORDER BY n.id`,
      ),
      page: this.db.prepare('SELECT id, col, row, instance FROM nuclei WHERE id > ? ORDER BY id LIMIT ?'),
      counts: this.db.prepare('SELECT (SELECT count(*) FROM tiles) AS tiles, (SELECT count(*) FROM nuclei) AS nuclei'),
    };
  }

  /**
   * Opens (creating when absent) the database at `path`; `':memory:'` for one that lives as
   * long as the process.
   */
  static open(path: string): ResultStore {
    return new ResultStore(path);
  }

  /** The identity of the stored run, `null` when nothing was stored. */
  identity(): RunIdentity | null {
    if (this.identityCache === undefined) {
      const row = this.q.getMeta.get('identity');
      this.identityCache = row ? (JSON.parse(row.value) as RunIdentity) : null;
    }
    return this.identityCache;
  }

  /** Whether the stored run was computed from `id`. */
  matches(id: RunIdentity): boolean {
    const mine = this.identity();
    return mine !== null && sameIdentity(mine, id);
  }

  /**
   * Makes the store hold run `id`: kept as is when it already does (resume), emptied
   * otherwise.
   * @returns true when earlier results were kept
   */
  beginRun(id: RunIdentity): boolean {
    if (this.matches(id)) return true;
    this.db.transaction(() => {
      this.db.exec('DELETE FROM nuclei_bbox; DELETE FROM nuclei; DELETE FROM tiles;');
      this.q.setMeta.run('identity', JSON.stringify(id));
    })();
    this.identityCache = id;
    return false;
  }

  /** Reads a free-form meta value (e.g. job state). */
  getMeta(key: string): string | undefined {
    return this.q.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.q.setMeta.run(key, value);
  }

  /** Whether compute tile (col, row) is finished. */
  isDone(col: number, row: number): boolean {
    return this.q.tileDone.get(col, row) !== undefined;
  }

  /** Finished tiles as {@link cellKey}s. */
  doneTiles(): Set<string> {
    return new Set(this.q.doneTiles.all().map((t) => cellKey(t.col, t.row)));
  }

  /** Replaces compute tile (col, row)'s nuclei and marks it finished, atomically. */
  writeTile(col: number, row: number, instances: readonly NucleusInstance[]): void {
    this.db.transaction(() => {
      this.q.deleteCellBoxes.run(col, row);
      this.q.deleteCell.run(col, row);
      for (const n of instances) {
        const { lastInsertRowid } = this.q.insertNucleus.run(col, row, n.centroid.x, n.centroid.y, JSON.stringify(n));
        const b = n.bbox;
        this.q.insertBox.run(lastInsertRowid, b.x, b.x + b.width, b.y, b.y + b.height);
      }
      this.q.upsertTile.run(col, row, instances.length);
    })();
  }

  /** Nuclei whose centroid lies in `rect` (half-open), in insertion order. */
  nucleiInRect(rect: Rect): StoredNucleus[] {
    const x1 = rect.x + rect.width;
    const y1 = rect.y + rect.height;
    return this.q.inRect.all(rect.x, x1, rect.y, y1, rect.x, x1, rect.y, y1).map(parse);
  }

  /** Nuclei whose bounding box meets `rect`, in insertion order. */
  nucleiMeeting(rect: Rect): StoredNucleus[] {
    return this.q.meeting.all(rect.x, rect.x + rect.width, rect.y, rect.y + rect.height).map(parse);
  }

  /**
   * Every stored nucleus in insertion order (exports), read a page at a time: no statement
   * stays open between pages, so a run can keep writing while a slow client downloads.
   */
  *all(pageSize = 500): Generator<StoredNucleus> {
    let after = 0;
    for (;;) {
      const rows = this.q.page.all(after, pageSize);
      if (rows.length === 0) return;
      for (const r of rows) yield parse(r);
      after = rows[rows.length - 1].id;
    }
  }

  /** Finished tiles and stored nuclei. */
  counts(): { tiles: number; nuclei: number } {
    return this.q.counts.get()!;
  }

  close(): void {
    this.db.close();
  }
}

function parse(row: { col: number; row: number; instance: string }): StoredNucleus {
  return { col: row.col, row: row.row, instance: JSON.parse(row.instance) as NucleusInstance };
}
