import type { Message } from '@router/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { bodyOf, drain, expectRefused } from './helpers.ts';

/** The first bytes of a PNG file: enough to be image bytes with a media type. */
const pngBytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const dataUrl = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';

const withImages: readonly Message[] = [
  {
    role: 'user',
    content: [
      { type: 'text', text: 'What do these pictures show? ' },
      { type: 'image', image: 'https://images.example.test/cat.png' },
      { type: 'image', image: new URL('https://images.example.test/dog.jpg'), detail: 'low' },
      { type: 'image', image: dataUrl },
      { type: 'image', image: pngBytes, mediaType: 'image/png' },
      { type: 'text', text: 'Answer in one line.' },
    ],
  },
];

/** Every image URL of a wire message's parts, in order. */
function imageUrls(message: unknown): unknown[] {
  const content = (message as { content?: unknown }).content;
  if (!Array.isArray(content)) return [];
  return content.filter((part: { type?: unknown }) => part.type === 'image_url').map((part: { image_url?: { url?: unknown } }) => part.image_url?.url);
}

/** Image parts, gated by `capabilities.images`: https URLs, data URLs and bytes reach the wire as `image_url` parts. */
export function imageTests(ctx: ConformanceContext): void {
  const supported = ctx.capabilities.images === true;

  describe('images', () => {
    const generated = ctx.chatModel('images-generate');
    const streamed = ctx.chatModel('images-stream');
    const refused = ctx.chatModel('images-refused');

    it.skipIf(!supported)('generate: URLs, data URLs and bytes go out as image_url parts, and the answer reads the text parts (needs capabilities.images)', async () => {
      const completion = await ctx.client().generate(withImages, { model: generated });
      expect(completion.text).toBe(ctx.expectedReply(generated, withImages));
      const [message] = bodyOf(await ctx.finishedRequest(generated)).messages as unknown[];
      expect(imageUrls(message)).toEqual([
        'https://images.example.test/cat.png',
        'https://images.example.test/dog.jpg',
        dataUrl,
        `data:image/png;base64,${Buffer.from(pngBytes).toString('base64')}`,
      ]);
    });

    it.skipIf(!supported)('stream: the same message streams the simulator’s answer (needs capabilities.images)', async () => {
      const { chunks, error } = await drain(ctx.client().stream(withImages, { model: streamed }));
      expect(error).toBeUndefined();
      expect(chunks.join('')).toBe(ctx.expectedReply(streamed, withImages));
    });

    it.skipIf(supported)('refuses a message with an image before the network, naming the capability (capabilities.images is false)', async () => {
      await expectRefused(ctx, 'images', withImages, { model: refused });
    });
  });
}
