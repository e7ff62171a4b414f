// Original file: src/containerd/proto/snapshots.proto


export interface StatSnapshotRequest {
  'snapshotter'?: (string);
  'key'?: (string);
}

export interface StatSnapshotRequest__Output {
  'snapshotter': (string);
  'key': (string);
}
