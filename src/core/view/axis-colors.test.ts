import { describe, expect, it } from 'vitest';
import { AXIS_PALETTE, axisColor, axisColors, UNKNOWN_AXIS_COLOR } from './axis-colors.ts';

describe('axis colours', () => {
  it('gives each axis of a mesh its own colour, by position, and grey to an unknown axis', () => {
    const axes = ['data', 'fsdp', 'model'];
    const colors = axisColors(axes).map((a) => a.color);
    expect(new Set(colors).size).toBe(3);
    expect(axisColor('data', axes)).toBe(AXIS_PALETTE[0]);
    expect(axisColor('model', axes)).toBe(AXIS_PALETTE[2]);
    expect(axisColor('model', ['data', 'model'])).toBe(AXIS_PALETTE[1]);
    expect(axisColor('pipe', axes)).toBe(UNKNOWN_AXIS_COLOR);
    expect(AXIS_PALETTE).not.toContain(UNKNOWN_AXIS_COLOR);
  });
});
