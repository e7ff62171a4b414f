/** TypeScript shapes of the containerd messages we use (camelCase, as proto-loader decodes them). */
export interface Timestamp {
  seconds: number;
  nanos: number;
}

/** google.protobuf.Any: protobufjs's Any keeps the proto name `type_url` both ways (`typeUrl` is dropped). */
export interface ProtoAny {
  typeUrl?: string;
  type_url?: string;
  value: Buffer;
}

export function anyTypeUrl(a: ProtoAny | null | undefined): string {
  return a?.typeUrl ?? a?.type_url ?? '';
}

export interface Mount {
  type: string;
  source: string;
  target?: string;
  options: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ContainerRecord {
  id: string;
  labels: Record<string, string>;
  image: string;
  runtime: { name: string; options?: ProtoAny | null } | null;
  spec: ProtoAny | null;
  snapshotter: string;
  snapshotKey: string;
  createdAt?: Timestamp | null;
  updatedAt?: Timestamp | null;
}

export type TaskStatus = 'UNKNOWN' | 'CREATED' | 'RUNNING' | 'STOPPED' | 'PAUSED' | 'PAUSING';

export interface ProcessInfo {
  /** Filled by our client: containerd 1.6 leaves `container_id` empty in Get and List (see `id`). */
  containerId: string;
  id: string;
  pid: number;
  status: TaskStatus;
  exitStatus: number;
  exitedAt?: Timestamp | null;
}

export interface ImageRecord {
  name: string;
  labels: Record<string, string>;
  target: Descriptor;
  createdAt?: Timestamp | null;
  updatedAt?: Timestamp | null;
}

export interface ContentInfo {
  digest: string;
  size: number;
  labels: Record<string, string>;
  createdAt?: Timestamp | null;
}

export type SnapshotKind = 'UNKNOWN' | 'VIEW' | 'ACTIVE' | 'COMMITTED';

export interface SnapshotInfo {
  name: string;
  parent: string;
  kind: SnapshotKind;
  labels: Record<string, string>;
}

export interface NamespaceRecord {
  name: string;
  labels: Record<string, string>;
}

export interface ExitStatus {
  exitStatus: number;
  exitedAt: Date | undefined;
}

export function toDate(ts: Timestamp | null | undefined): Date | undefined {
  if (!ts || (ts.seconds === 0 && ts.nanos === 0)) return undefined;
  return new Date(ts.seconds * 1000 + Math.floor(ts.nanos / 1e6));
}
