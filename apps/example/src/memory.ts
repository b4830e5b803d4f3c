import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export type Speaker = 'user' | 'narrator';

export interface Recollection {
  id: number;
  speaker: Speaker;
  text: string;
  /** Cosine similarity to the query, from -1 to 1. */
  score: number;
}

/**
 * The chat's long-term memory: every utterance with its embedding, in SQLite
 * through node:sqlite (no native add-on). WAL lets a reader run beside the
 * writer; the busy timeout is short because node:sqlite waits synchronously
 * and the seed's 5 s wait froze the whole event loop.
 */
export class Memory {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  static open(path: string): Memory {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path);
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 100;
      CREATE TABLE IF NOT EXISTS utterances (
        id INTEGER PRIMARY KEY,
        turn INTEGER NOT NULL,
        speaker TEXT NOT NULL CHECK (speaker IN ('user', 'narrator')),
        text TEXT NOT NULL,
        embedding BLOB,
        created_at INTEGER NOT NULL
      );
    `);
    return new Memory(db);
  }

  /** The next turn number (1 for an empty memory). */
  nextTurn(): number {
    const row = this.#db.prepare('SELECT COALESCE(MAX(turn), 0) + 1 AS next FROM utterances').get() as { next: number };
    return row.next;
  }

  /** Stores the text of a turn at once; embeddings follow later via `setEmbedding`. */
  addUtterance(turn: number, speaker: Speaker, text: string, embedding?: readonly number[]): number {
    const result = this.#db
      .prepare('INSERT INTO utterances (turn, speaker, text, embedding, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(turn, speaker, text, embedding ? toBlob(embedding) : null, Date.now());
    return Number(result.lastInsertRowid);
  }

  setEmbedding(id: number, embedding: readonly number[]): void {
    this.#db.prepare('UPDATE utterances SET embedding = ? WHERE id = ?').run(toBlob(embedding), id);
  }

  /** Utterances whose embedding failed or has not been written yet, oldest first. */
  missingEmbeddings(limit = 32): { id: number; text: string }[] {
    return this.#db
      .prepare('SELECT id, text FROM utterances WHERE embedding IS NULL ORDER BY id LIMIT ?')
      .all(limit) as { id: number; text: string }[];
  }

  /** The `k` stored utterances most similar to `query`, best first. */
  recall(query: readonly number[], k: number, beforeTurn: number): Recollection[] {
    const rows = this.#db
      .prepare('SELECT id, speaker, text, embedding FROM utterances WHERE embedding IS NOT NULL AND turn < ?')
      .all(beforeTurn) as { id: number; speaker: Speaker; text: string; embedding: Uint8Array }[];
    // A brute-force scan: fine for a chat's history of thousands of lines.
    return rows
      .map((row) => ({ id: row.id, speaker: row.speaker, text: row.text, score: cosine(query, fromBlob(row.embedding)) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  close(): void {
    this.#db.close();
  }
}

function toBlob(vector: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(vector).buffer);
}

function fromBlob(blob: Uint8Array): Float32Array {
  // Copy: SQLite's buffer may not be 4-byte aligned.
  return new Float32Array(blob.slice().buffer);
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
