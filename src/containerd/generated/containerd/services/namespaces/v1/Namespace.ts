// Original file: src/containerd/proto/namespaces.proto


export interface Namespace {
  'name'?: (string);
  'labels'?: ({[key: string]: string});
}

export interface Namespace__Output {
  'name': (string);
  'labels': ({[key: string]: string});
}
