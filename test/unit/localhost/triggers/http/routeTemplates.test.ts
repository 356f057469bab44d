import { compileRoute, findRoute, matchRoute, splitPath } from '../../../../../localhost/triggers/http/routeTemplates';

const seg = (p: string): string[] => splitPath(p) ?? [];
const match = (template: string, p: string): Record<string, string> | null =>
  matchRoute(compileRoute(template, 0), seg(p));

describe('route templates', () => {
  it('matches literals case-insensitively and extracts parameters', () => {
    expect(match('users/{id}/posts', '/Users/42/POSTS')).toEqual({ id: '42' });
    expect(match('users/{id}/posts', '/users/42')).toBeNull();
    expect(match('users/{id}/posts', '/users/42/posts/1')).toBeNull();
  });

  it('supports optional trailing parameters', () => {
    expect(match('opt/{id?}', '/opt')).toEqual({});
    expect(match('opt/{id?}', '/opt/3')).toEqual({ id: '3' });
    expect(match('opt/{a?}/{b?}', '/opt')).toEqual({});
  });

  it('supports catch-all as the last segment, including empty', () => {
    expect(match('files/{*path}', '/files/a/b/c')).toEqual({ path: 'a/b/c' });
    expect(match('files/{*path}', '/files')).toEqual({});
    expect(() => compileRoute('files/{*path}/x', 0)).toThrow('a catch-all parameter must be the last segment');
  });

  it('applies constraints', () => {
    expect(match('items/{id:int}', '/items/12')).toEqual({ id: '12' });
    expect(match('items/{id:int}', '/items/x')).toBeNull();
    expect(match('items/{id:guid}', '/items/3f2504e0-4f89-11d3-9a0c-0305e82c3301')).not.toBeNull();
    expect(match('items/{flag:bool}', '/items/TRUE')).toEqual({ flag: 'TRUE' });
    expect(match('items/{name:alpha:maxlength(3)}', '/items/abc')).toEqual({ name: 'abc' });
    expect(match('items/{name:alpha:maxlength(3)}', '/items/abcd')).toBeNull();
    expect(match('items/{n:range(1,5)}', '/items/5')).toEqual({ n: '5' });
    expect(match('items/{n:range(1,5)}', '/items/6')).toBeNull();
    expect(match('items/{code:regex(^[a-z]+$)}', '/items/ab')).toEqual({ code: 'ab' });
    expect(match('items/{code:regex(^[a-z]+$)}', '/items/a1')).toBeNull();
    // ASP.NET's doubled braces inside regex constraints are not supported: refused at start, not mis-matched.
    expect(() => compileRoute('items/{code:regex(^[a-z]{{2}}$)}', 0)).toThrow('unbalanced braces');
    expect(() => compileRoute('items/{id:nonsense}', 0)).toThrow("unknown constraint 'nonsense'");
  });

  it('supports parameters mixed with literals inside a segment', () => {
    expect(match('report/{year}-{month}.csv', '/report/2026-01.csv')).toEqual({ year: '2026', month: '01' });
  });

  it('decodes percent-encoding per segment (an encoded slash stays encoded), keeping bad escapes as sent', () => {
    expect(match('users/{name}', '/users/J%C3%BCrgen%2FX')).toEqual({ name: 'Jürgen%2FX' });
    expect(splitPath('/bad/%E0%A4%A')).toEqual(['bad', '%E0%A4%A']);
  });

  it('rejects malformed templates', () => {
    expect(() => compileRoute('a/{id', 0)).toThrow('unbalanced braces');
    expect(() => compileRoute('a/{id}/{id}', 0)).toThrow("parameter 'id' appears twice");
  });

  it('takes the first route in order whose template and method match, as the runtime does (no precedence)', () => {
    const route = (template: string, name: string, methods = ['GET']) => compileRoute(template, { name, methods });
    const routes = [
      route('items/{id:int}', 'int', ['GET', 'DELETE']),
      route('items/{slug}', 'slug'),
      route('items/new', 'literal'),
      route('items/{*rest}', 'catchAll', ['POST']),
    ];
    const found = (path: string, method = 'GET') => findRoute(routes, seg(path), method)?.route.value.name;
    expect(found('/items/new')).toBe('slug');
    expect(found('/items/7')).toBe('int');
    expect(found('/items/7', 'DELETE')).toBe('int');
    expect(found('/items/7', 'POST')).toBe('catchAll');
    expect(found('/items/7', 'PUT')).toBeUndefined();
  });

  it('keeps an encoded slash encoded in segments and route values', () => {
    expect(splitPath('/s/a%20b%2Fc%25d%3F')).toEqual(['s', 'a b%2Fc%d?']);
  });
});
