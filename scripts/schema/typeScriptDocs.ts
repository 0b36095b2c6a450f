/**
 * Reads the TypeScript front door (the args interfaces and the classes' output fields, with their JSDoc) with
 * the TypeScript compiler, and turns each property into a Pulumi schema property. This is what makes the
 * TypeScript sources the single source of truth for the plugin's schema: docs, types, optionality, enums.
 *
 * The mapping, from the declared type as written:
 * - `pulumi.Input<T>` / `pulumi.Output<T>` are T; a property whose type is not wrapped in `pulumi.Input` is
 *   `plain` (a value known when the program runs, not an output of another resource);
 * - `string`, `boolean`, `number`; the alias `Integer` is `integer`;
 * - `T[]` is an array, `Record<string, T>` a map;
 * - `T | null | undefined` is T; a union of string literals is an enum, named after its type alias (or after
 *   the property when written inline);
 * - an interface is an object type named after it without its `Args` suffix; a component class is a reference
 *   to that resource;
 * - JSDoc tags: `@secret` marks a secret, `@replaceOnChange` an input whose change replaces the resource.
 */
import ts from "typescript";

export const PACKAGE = "runpod-ssh";

export type SchemaType =
  | { type: "string" | "boolean" | "number" | "integer" }
  | { type: "array"; items: SchemaType }
  | { type: "object"; additionalProperties: SchemaType }
  | { $ref: string };

export interface SchemaProperty {
  description: string;
  type?: string;
  items?: SchemaType;
  additionalProperties?: SchemaType;
  $ref?: string;
  secret?: true;
  replaceOnChanges?: true;
  plain?: true;
}

export interface ObjectTypeSpec {
  type: "object";
  description: string;
  properties: Record<string, SchemaProperty>;
  required?: string[];
}

export interface EnumTypeSpec {
  type: "string";
  description: string;
  enum: Array<{ value: string; name: string }>;
}

/** A class or interface's properties as schema properties, plus which are required. */
export interface PropertySet {
  description: string;
  properties: Record<string, SchemaProperty>;
  required: string[];
}

export class SchemaSourceError extends Error {
  override name = "SchemaSourceError";
}

/** Reads declarations from a set of TypeScript files; collects the object and enum types it meets. */
export class TypeScriptDocs {
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  readonly types: Record<string, ObjectTypeSpec | EnumTypeSpec> = {};
  /** Every source problem met (undocumented properties, unmappable types), reported together at the end. */
  readonly problems: string[] = [];

  constructor(files: string[]) {
    this.program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      strict: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      skipLibCheck: true,
      noEmit: true,
    });
    this.checker = this.program.getTypeChecker();
  }

  private declaration(file: string, name: string): ts.ClassDeclaration | ts.InterfaceDeclaration {
    const source = this.program.getSourceFile(file);
    if (!source) throw new SchemaSourceError(`${file} is not part of the schema sources.`);
    for (const statement of source.statements) {
      if ((ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement)) && statement.name?.text === name)
        return statement;
    }
    throw new SchemaSourceError(`${file} declares no class or interface ${name}.`);
  }

  private docOf(node: ts.Node & { name?: ts.Node }): string {
    const symbol = node.name ? this.checker.getSymbolAtLocation(node.name) : undefined;
    return symbol ? prose(ts.displayPartsToString(symbol.getDocumentationComment(this.checker))) : "";
  }

  /** The inputs of an args interface: every property, inherited ones included (`extends Omit<PodArgs, ...>`). */
  inputs(file: string, interfaceName: string): PropertySet {
    const declaration = this.declaration(file, interfaceName);
    const type = this.checker.getTypeAtLocation(declaration);
    const out: PropertySet = { description: this.docOf(declaration), properties: {}, required: [] };
    for (const symbol of this.checker.getPropertiesOfType(type)) {
      const member = symbol.valueDeclaration ?? symbol.declarations?.[0];
      if (!member || !ts.isPropertySignature(member) || !member.type) {
        throw new SchemaSourceError(`${interfaceName}.${symbol.name} has no written type.`);
      }
      out.properties[symbol.name] = this.property(symbol, member.type, `${interfaceName}.${symbol.name}`, true);
      if (!member.questionToken) out.required.push(symbol.name);
    }
    return out;
  }

  /** The file's leading doc comment (what the module is for), or "". */
  private moduleDoc(file: string): string {
    const source = this.program.getSourceFile(file)!;
    const first = source.statements[0];
    const comment = first ? ts.getLeadingCommentRanges(source.text, first.getFullStart())?.[0] : undefined;
    if (!comment || !source.text.startsWith("/**", comment.pos)) return "";
    const body = source.text.slice(comment.pos + 3, comment.end - 2);
    return prose(
      body
        .split("\n")
        .map((line) => line.replace(/^\s*\* ?/, ""))
        .join("\n"),
    );
  }

  /**
   * The outputs of a resource class: its fields typed `pulumi.Output<...>`. The resource's description is the
   * module's doc comment (the richest), else the class's.
   */
  outputs(file: string, className: string): PropertySet {
    const declaration = this.declaration(file, className);
    const description = this.moduleDoc(file) || this.docOf(declaration);
    const out: PropertySet = { description, properties: {}, required: [] };
    for (const member of declaration.members) {
      if (!ts.isPropertyDeclaration(member) || !member.type || !ts.isIdentifier(member.name)) continue;
      const wrapped = this.unwrap(member.type, "Output");
      if (!wrapped) continue;
      const symbol = this.checker.getSymbolAtLocation(member.name)!;
      out.properties[member.name.text] = this.property(symbol, member.type, `${className}.${member.name.text}`, false);
      if (!this.nullable(wrapped)) out.required.push(member.name.text);
    }
    return out;
  }

  private property(symbol: ts.Symbol, typeNode: ts.TypeNode, where: string, isInput: boolean): SchemaProperty {
    const description = prose(ts.displayPartsToString(symbol.getDocumentationComment(this.checker)));
    if (!description) this.problems.push(`${where} has no JSDoc; every input and output is documented.`);
    const tags = new Set(symbol.getJsDocTags().map((t) => t.name));
    const inner = this.unwrap(typeNode, isInput ? "Input" : "Output");
    const spec: SchemaProperty = { description, ...this.schemaType(inner ?? typeNode, where) };
    if (tags.has("secret")) spec.secret = true;
    if (tags.has("replaceOnChange")) spec.replaceOnChanges = true;
    if (isInput && !inner && !this.isResourceReference(spec)) spec.plain = true;
    return spec;
  }

  private isResourceReference(spec: SchemaProperty): boolean {
    return typeof spec.$ref === "string" && spec.$ref.startsWith("#/resources/");
  }

  /** T of `pulumi.Input<T>` (or Output), or undefined when the node is not that wrapper. */
  private unwrap(node: ts.TypeNode, wrapper: "Input" | "Output"): ts.TypeNode | undefined {
    if (!ts.isTypeReferenceNode(node) || !node.typeArguments?.length) return undefined;
    const name = ts.isQualifiedName(node.typeName) ? node.typeName.right.text : node.typeName.text;
    return name === wrapper ? node.typeArguments[0] : undefined;
  }

  private nullable(node: ts.TypeNode): boolean {
    return ts.isUnionTypeNode(node) && node.types.some((t) => this.isNullish(t));
  }

  private isNullish(node: ts.TypeNode): boolean {
    if (node.kind === ts.SyntaxKind.UndefinedKeyword) return true;
    return ts.isLiteralTypeNode(node) && node.literal.kind === ts.SyntaxKind.NullKeyword;
  }

  private schemaType(node: ts.TypeNode, where: string): SchemaType {
    const wrapped = this.unwrap(node, "Input") ?? this.unwrap(node, "Output");
    if (wrapped) return this.schemaType(wrapped, where);
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: "string" };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: "boolean" };
      case ts.SyntaxKind.NumberKeyword:
        return { type: "number" };
    }
    if (ts.isArrayTypeNode(node)) return { type: "array", items: this.schemaType(node.elementType, `${where}[]`) };
    if (ts.isParenthesizedTypeNode(node)) return this.schemaType(node.type, where);
    if (ts.isUnionTypeNode(node)) return this.unionType(node, where);
    if (ts.isTypeReferenceNode(node)) return this.referenceType(node, where);
    return this.unmapped(
      `${where}: the type \`${node.getText()}\` has no schema mapping; name it (an interface or type alias).`,
    );
  }

  private unionType(node: ts.UnionTypeNode, where: string, aliasName?: string, aliasDoc?: string): SchemaType {
    const members = node.types.filter((t) => !this.isNullish(t));
    if (members.length === 1) return this.schemaType(members[0], where);
    const literals = members.map((t) =>
      ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : undefined,
    );
    if (literals.some((l) => l === undefined))
      return this.unmapped(`${where}: only unions of string literals map to the schema (as enums).`);
    const propertyName = where.split(".").pop()!.replace(/\W/g, "");
    const name = aliasName ?? propertyName.charAt(0).toUpperCase() + propertyName.slice(1);
    const token = `${PACKAGE}:index:${name}`;
    this.types[token] ??= {
      type: "string",
      description: aliasDoc || `The values of ${where}.`,
      enum: (literals as string[]).map((value) => ({ value, name: enumMemberName(value) })),
    };
    return { $ref: `#/types/${token}` };
  }

  private referenceType(node: ts.TypeReferenceNode, where: string): SchemaType {
    const name = ts.isQualifiedName(node.typeName) ? node.typeName.right.text : node.typeName.text;
    if (name === "Integer") return { type: "integer" };
    if (name === "Record" && node.typeArguments?.length === 2) {
      return { type: "object", additionalProperties: this.schemaType(node.typeArguments[1], `${where}{}`) };
    }
    let symbol = this.checker.getSymbolAtLocation(node.typeName);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const declaration = symbol?.declarations?.[0];
    if (declaration && ts.isTypeAliasDeclaration(declaration) && ts.isUnionTypeNode(declaration.type)) {
      return this.unionType(declaration.type, where, name, this.docOf(declaration));
    }
    if (declaration && ts.isClassDeclaration(declaration)) return { $ref: `#/resources/${PACKAGE}:index:${name}` };
    if (declaration && ts.isInterfaceDeclaration(declaration)) {
      const typeName = name.replace(/Args$/, "");
      const token = `${PACKAGE}:index:${typeName}`;
      if (!this.types[token]) {
        const file = declaration.getSourceFile().fileName;
        const set = this.inputsOf(declaration, file);
        const objectType: ObjectTypeSpec = {
          type: "object",
          description: set.description || `${typeName}.`,
          properties: set.properties,
        };
        if (set.required.length > 0) objectType.required = set.required;
        this.types[token] = objectType;
      }
      return { $ref: `#/types/${token}` };
    }
    return this.unmapped(`${where}: \`${node.getText()}\` is neither an interface, a class nor a union alias.`);
  }

  private unmapped(problem: string): SchemaType {
    this.problems.push(problem);
    return { type: "string" };
  }

  private inputsOf(declaration: ts.InterfaceDeclaration, file: string): PropertySet {
    return this.inputs(file, declaration.name.text);
  }
}

/**
 * JSDoc text as schema prose: lines wrapped only to fit the source are joined into one line; paragraph breaks
 * and list items (`- ...`) keep their own lines.
 */
export function prose(text: string): string {
  const out: string[] = [];
  for (const line of text.split("\n").map((l) => l.trim())) {
    const last = out.length - 1;
    if (line === "" || last < 0 || out[last] === "" || /^([-*]|\d+\.)\s/.test(line)) out.push(line);
    else out[last] = `${out[last]} ${line}`;
  }
  return out.join("\n").trim();
}

/** `accept-new` -> `AcceptNew`, `SECURE` -> `Secure`: enum member names every language accepts. */
export function enumMemberName(value: string): string {
  return value
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}
