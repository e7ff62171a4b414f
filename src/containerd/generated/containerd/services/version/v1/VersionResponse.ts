// Original file: src/containerd/proto/version.proto


export interface VersionResponse {
  'version'?: (string);
  'revision'?: (string);
}

export interface VersionResponse__Output {
  'version': (string);
  'revision': (string);
}
