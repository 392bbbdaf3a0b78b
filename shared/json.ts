/**
 * Locates JSON syntax errors: the one scanner behind every "not valid JSON" message (snapshots,
 * policy files), because the engine's own messages differ between Node versions and do not always
 * carry a position.
 */

/** Line and column (1-based) of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text[index] === '\n') {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Offset of the first JSON syntax error, found by a small scanner because the engine's messages
 * differ between Node versions and do not always carry a position.
 */
export function jsonSyntaxErrorOffset(text: string): { offset: number; reason: string } | undefined {
  let index = 0;
  const fail = (reason: string): never => {
    throw { offset: index, reason };
  };
  const skipSpace = () => {
    while (index < text.length && ' \t\n\r'.includes(text[index])) index++;
  };
  const literal = (word: string) => {
    for (const char of word) {
      if (text[index] !== char) fail(`invalid literal, expected ${word}`);
      index++;
    }
  };
  const string = () => {
    index++;
    while (index < text.length) {
      const char = text[index];
      if (char === '"') {
        index++;
        return;
      }
      if (char === '\\') {
        index++;
        const escaped = text[index];
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 1, index + 5)))
            fail('invalid \\u escape in string');
          index += 5;
        } else if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) index++;
        else fail('invalid escape in string');
      } else if (char < ' ') fail('control character in string (unescaped line break?)');
      else index++;
    }
    fail('unterminated string');
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(index));
    if (!match || match[0] === '' || match[0] === '-') fail('invalid number');
    index += match![0].length;
  };
  const value = (): void => {
    skipSpace();
    const char = text[index];
    if (char === undefined) fail('unexpected end of input');
    if (char === '{') {
      index++;
      skipSpace();
      if (text[index] === '}') {
        index++;
        return;
      }
      for (;;) {
        skipSpace();
        if (text[index] !== '"') fail('expected a double-quoted property name');
        string();
        skipSpace();
        if (text[index] !== ':') fail("expected ':' after property name");
        index++;
        value();
        skipSpace();
        if (text[index] === ',') {
          index++;
          continue;
        }
        if (text[index] === '}') {
          index++;
          return;
        }
        fail(text[index] === undefined ? 'unexpected end of input' : "expected ',' or '}'");
      }
    }
    if (char === '[') {
      index++;
      skipSpace();
      if (text[index] === ']') {
        index++;
        return;
      }
      for (;;) {
        value();
        skipSpace();
        if (text[index] === ',') {
          index++;
          continue;
        }
        if (text[index] === ']') {
          index++;
          return;
        }
        fail(text[index] === undefined ? 'unexpected end of input' : "expected ',' or ']'");
      }
    }
    if (char === '"') string();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else if (char === '-' || (char >= '0' && char <= '9')) number();
    else fail(`unexpected character ${JSON.stringify(char)}`);
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) index = 1;
    value();
    skipSpace();
    if (index < text.length) fail('unexpected text after the JSON value');
    return undefined;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'offset' in error)
      return error as { offset: number; reason: string };
    // The scanner recurses per nesting level: text nested deeper than the stack allows is located
    // where the scan stopped.
    if (error instanceof RangeError) return { offset: index, reason: 'arrays and objects nested too deeply' };
    throw error;
  }
}
