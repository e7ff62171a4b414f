import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable } from '../../src/format/index.js';
import { formatImageTable } from '../../src/image/format.js';
import { formatNetTable } from '../../src/network/format.js';

describe('formatTable', () => {
  const cases: { name: string; header: string[]; rows: string[][]; want: string }[] = [
    { name: 'header only', header: ['A', 'BB'], rows: [], want: 'A  BB\n' },
    {
      name: 'columns as wide as their widest cell, no trailing blanks',
      header: ['NAME', 'IP'],
      rows: [
        ['gateway', '10.62.0.2'],
        ['nats', ''],
      ],
      want: 'NAME     IP\ngateway  10.62.0.2\nnats\n',
    },
    { name: 'a short row', header: ['A', 'B', 'C'], rows: [['x']], want: 'A  B  C\nx\n' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(formatTable(c.header, c.rows), c.want));
  }

  it('is the one formatter of the image and network lists', () => {
    const images = formatImageTable([
      {
        name: 'docker.io/library/busybox:latest',
        digest: 'sha256:0123456789abcdef',
        mediaType: 'application/vnd.oci.image.index.v1+json',
        size: 0,
        createdAt: undefined,
      },
    ]);
    assert.equal(
      images,
      'REF                               DIGEST               TYPE\n' +
        'docker.io/library/busybox:latest  sha256:0123456789ab  oci.image.index.v1+json\n',
    );
    const nets = formatNetTable([
      {
        namespace: 'openfaas',
        id: 'nats',
        netns: '/var/run/netns/openfaas--nats',
        ifname: 'eth0',
        state: 'pending',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    ]);
    assert.equal(
      nets.split('\n')[1],
      'openfaas   nats  (pending)       /var/run/netns/openfaas--nats  2026-01-01T00:00:00.000Z',
    );
  });
});
