// Original file: src/containerd/proto/snapshots.proto


export interface RemoveSnapshotRequest {
  'snapshotter'?: (string);
  'key'?: (string);
}

export interface RemoveSnapshotRequest__Output {
  'snapshotter': (string);
  'key': (string);
}
