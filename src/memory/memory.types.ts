export const MEMORY_TYPES = [
  'context',
  'project',
  'knowledge',
  'reference',
  'personal',
  'workflow',
] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

export const MEMORY_LIMITS = {
  titleLength: 500,
  contentLength: 50_000,
  tags: 20,
  tagLength: 64,
  metadataBytes: 16 * 1024,
  pageSize: 100,
  /** Deeper pages are reached with the cursor, which costs no offset scan. */
  pages: 1_000_000,
} as const;

export interface Memory {
  id: string;
  organization_id: string;
  title: string | null;
  content: string;
  memory_type: MemoryType;
  tags: string[];
  metadata: Record<string, unknown>;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** The fields a PATCH may change. */
export type MemoryEdit = Partial<
  Pick<Memory, 'title' | 'content' | 'memory_type' | 'tags' | 'metadata'>
>;

export interface MemoryListFilter {
  memory_type?: MemoryType;
  tags?: string[];
  created_by?: string;
}

/** Keyset position: the last item of the previous page, newest first. */
export interface MemoryCursor {
  created_at: string;
  id: string;
}
