//! The one Java-serialized object the JVM-free submit path writes: Storm's `BasicBoltExecutor`
//! wrapping a stateless `IBasicBolt` (what `TopologyBuilder.setBolt(id, IBasicBolt)` puts in
//! `ComponentObject.serialized_java`; a worker cannot run an IBasicBolt from a `JavaObject`).
//!
//! Java serialization checks each class's `serialVersionUID`; classes that do not declare one
//! (BasicBoltExecutor, BaseBasicBolt, BaseComponent, Flux's LogInfoBolt) get the JVM's default,
//! a SHA-1 over the class's name, modifiers, interfaces, fields, static initializer, constructors
//! and methods (Java Object Serialization Specification, section 4.6). [`ClassFile`] reads those
//! from the class files (the topology jar's and the cluster's storm-client's), so the stream
//! matches the classes the worker loads. A class with instance state, a `writeObject` or
//! `writeReplace` is refused: its bytes would need its values, which only a JVM has.

use sha1::{Digest, Sha1};

const ACC_PUBLIC: u16 = 0x0001;
const ACC_PRIVATE: u16 = 0x0002;
const ACC_PROTECTED: u16 = 0x0004;
const ACC_STATIC: u16 = 0x0008;
const ACC_FINAL: u16 = 0x0010;
const ACC_SYNCHRONIZED: u16 = 0x0020;
const ACC_VOLATILE: u16 = 0x0040;
const ACC_TRANSIENT: u16 = 0x0080;
const ACC_NATIVE: u16 = 0x0100;
const ACC_INTERFACE: u16 = 0x0200;
const ACC_ABSTRACT: u16 = 0x0400;
const ACC_STRICT: u16 = 0x0800;

/// A member (field or method) of a class file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub access: u16,
    pub name: String,
    pub descriptor: String,
}

/// What serialization needs from a class file.
#[derive(Debug, Clone)]
pub struct ClassFile {
    /// Internal name, `a/b/C`.
    pub name: String,
    pub access: u16,
    /// Internal name of the superclass (None for java/lang/Object).
    pub super_name: Option<String>,
    pub interfaces: Vec<String>,
    pub fields: Vec<Member>,
    pub methods: Vec<Member>,
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> anyhow::Result<&[u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| anyhow::anyhow!("truncated class file"))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u1(&mut self) -> anyhow::Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u2(&mut self) -> anyhow::Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u4(&mut self) -> anyhow::Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

impl ClassFile {
    pub fn parse(data: &[u8]) -> anyhow::Result<ClassFile> {
        let mut r = Reader { data, pos: 0 };
        if r.u4()? != 0xCAFE_BABE {
            anyhow::bail!("not a class file");
        }
        r.u2()?;
        r.u2()?;
        let pool = ConstantPool::read(&mut r)?;
        let access = r.u2()?;
        let name = pool.class_name(r.u2()?)?;
        let super_idx = r.u2()?;
        let super_name = if super_idx == 0 {
            None
        } else {
            Some(pool.class_name(super_idx)?)
        };
        let n = r.u2()?;
        let mut interfaces = Vec::new();
        for _ in 0..n {
            interfaces.push(pool.class_name(r.u2()?)?);
        }
        let fields = pool.members(&mut r)?;
        let methods = pool.members(&mut r)?;
        Ok(ClassFile {
            name,
            access,
            super_name,
            interfaces,
            fields,
            methods,
        })
    }

    /// The name as Java prints it, `a.b.C`.
    pub fn java_name(&self) -> String {
        self.name.replace('/', ".")
    }

    /// The `serialVersionUID` the JVM uses for this class: the declared one, else the default.
    pub fn serial_version_uid(&self) -> i64 {
        // A declared constant would need its ConstantValue; none of the classes written here
        // declares one, and a class that does is refused by `check_stateless`.
        default_suid(self)
    }

    fn declares_suid(&self) -> bool {
        self.fields.iter().any(|f| f.name == "serialVersionUID")
    }

    /// Instance fields that serialization writes (neither static nor transient).
    fn serial_fields(&self) -> impl Iterator<Item = &Member> {
        self.fields
            .iter()
            .filter(|f| f.access & (ACC_STATIC | ACC_TRANSIENT) == 0)
    }
}

/// The parts of a class file's constant pool that names come from: UTF-8 entries and class
/// references, by index.
struct ConstantPool {
    utf8: Vec<Option<String>>,
    class_ref: Vec<Option<u16>>,
}

impl ConstantPool {
    fn read(r: &mut Reader<'_>) -> anyhow::Result<ConstantPool> {
        let count = r.u2()? as usize;
        let mut utf8: Vec<Option<String>> = vec![None; count];
        let mut class_ref: Vec<Option<u16>> = vec![None; count];
        let mut i = 1;
        while i < count {
            let tag = r.u1()?;
            match tag {
                1 => {
                    let len = r.u2()? as usize;
                    utf8[i] = Some(String::from_utf8_lossy(r.take(len)?).into_owned());
                }
                7 => class_ref[i] = Some(r.u2()?),
                8 | 16 | 19 | 20 => {
                    r.u2()?;
                }
                3 | 4 | 9 | 10 | 11 | 12 | 17 | 18 => {
                    r.u4()?;
                }
                5 | 6 => {
                    r.take(8)?;
                    i += 1;
                }
                15 => {
                    r.take(3)?;
                }
                other => anyhow::bail!("unknown constant pool tag {other}"),
            }
            i += 1;
        }
        Ok(ConstantPool { utf8, class_ref })
    }

    fn text(&self, idx: u16) -> anyhow::Result<String> {
        self.utf8
            .get(idx as usize)
            .cloned()
            .flatten()
            .ok_or_else(|| anyhow::anyhow!("bad constant pool index {idx}"))
    }

    fn class_name(&self, idx: u16) -> anyhow::Result<String> {
        let name = self
            .class_ref
            .get(idx as usize)
            .copied()
            .flatten()
            .ok_or_else(|| anyhow::anyhow!("bad class index {idx}"))?;
        self.text(name)
    }

    /// A `fields` or `methods` table: access, name and descriptor of each (attributes skipped).
    fn members(&self, r: &mut Reader<'_>) -> anyhow::Result<Vec<Member>> {
        let n = r.u2()?;
        let mut out = Vec::new();
        for _ in 0..n {
            let access = r.u2()?;
            let name = self.text(r.u2()?)?;
            let descriptor = self.text(r.u2()?)?;
            let attrs = r.u2()?;
            for _ in 0..attrs {
                r.u2()?;
                let len = r.u4()? as usize;
                r.take(len)?;
            }
            out.push(Member {
                access,
                name,
                descriptor,
            });
        }
        Ok(out)
    }
}

fn write_utf(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The default serialVersionUID (Java Object Serialization Specification 4.6).
pub fn default_suid(c: &ClassFile) -> i64 {
    let mut d = Vec::new();
    write_utf(&mut d, &c.java_name());
    let methods: Vec<&Member> = c
        .methods
        .iter()
        .filter(|m| m.name != "<init>" && m.name != "<clinit>")
        .collect();
    let mods = class_modifiers(c.access, !methods.is_empty());
    d.extend_from_slice(&u32::from(mods).to_be_bytes());
    let mut interfaces: Vec<String> = c.interfaces.iter().map(|i| i.replace('/', ".")).collect();
    interfaces.sort();
    for i in &interfaces {
        write_utf(&mut d, i);
    }
    write_suid_fields(&mut d, c);
    if c.methods.iter().any(|m| m.name == "<clinit>") {
        write_utf(&mut d, "<clinit>");
        d.extend_from_slice(&u32::from(ACC_STATIC).to_be_bytes());
        write_utf(&mut d, "()V");
    }
    let mut ctors: Vec<&Member> = c.methods.iter().filter(|m| m.name == "<init>").collect();
    ctors.sort_by(|a, b| a.descriptor.cmp(&b.descriptor));
    write_suid_methods(&mut d, &ctors);
    let mut methods = methods;
    methods.sort_by(|a, b| (&a.name, &a.descriptor).cmp(&(&b.name, &b.descriptor)));
    write_suid_methods(&mut d, &methods);
    let hash = Sha1::digest(&d);
    let mut v: i64 = 0;
    for b in hash[..8].iter().rev() {
        v = (v << 8) | i64::from(*b);
    }
    v
}

/// The class modifiers the hash takes: an interface is abstract exactly when it declares
/// methods (other than `<clinit>`).
fn class_modifiers(access: u16, has_methods: bool) -> u16 {
    let mods = access & (ACC_PUBLIC | ACC_FINAL | ACC_INTERFACE | ACC_ABSTRACT);
    if mods & ACC_INTERFACE == 0 {
        mods
    } else if has_methods {
        mods | ACC_ABSTRACT
    } else {
        mods & !ACC_ABSTRACT
    }
}

/// The fields the hash takes, by name: all but private static and private transient ones.
fn write_suid_fields(d: &mut Vec<u8>, c: &ClassFile) {
    let mut fields: Vec<&Member> = c.fields.iter().collect();
    fields.sort_by(|a, b| a.name.cmp(&b.name));
    for f in fields {
        let m = f.access
            & (ACC_PUBLIC
                | ACC_PRIVATE
                | ACC_PROTECTED
                | ACC_STATIC
                | ACC_FINAL
                | ACC_VOLATILE
                | ACC_TRANSIENT);
        if m & ACC_PRIVATE == 0 || m & (ACC_STATIC | ACC_TRANSIENT) == 0 {
            write_utf(d, &f.name);
            d.extend_from_slice(&u32::from(m).to_be_bytes());
            write_utf(d, &f.descriptor);
        }
    }
}

/// Constructors or methods, in the order given, as the hash takes them: the non-private
/// ones, descriptors with dots.
fn write_suid_methods(d: &mut Vec<u8>, methods: &[&Member]) {
    let method_mask = ACC_PUBLIC
        | ACC_PRIVATE
        | ACC_PROTECTED
        | ACC_STATIC
        | ACC_FINAL
        | ACC_SYNCHRONIZED
        | ACC_NATIVE
        | ACC_ABSTRACT
        | ACC_STRICT;
    for m in methods {
        let mm = m.access & method_mask;
        if mm & ACC_PRIVATE == 0 {
            write_utf(d, &m.name);
            d.extend_from_slice(&u32::from(mm).to_be_bytes());
            write_utf(d, &m.descriptor.replace('/', "."));
        }
    }
}

/// Refuse a class whose serialized form needs more than its class descriptor.
fn check_stateless(c: &ClassFile) -> anyhow::Result<()> {
    if let Some(f) = c.serial_fields().next() {
        anyhow::bail!("{} has instance state (field `{}`)", c.java_name(), f.name);
    }
    if c.declares_suid() {
        anyhow::bail!("{} declares its own serialVersionUID", c.java_name());
    }
    if c.methods
        .iter()
        .any(|m| m.name == "writeObject" || m.name == "writeReplace")
    {
        anyhow::bail!("{} customizes its serialization", c.java_name());
    }
    Ok(())
}

const TC_NULL: u8 = 0x70;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_STRING: u8 = 0x74;
const TC_ENDBLOCKDATA: u8 = 0x78;
const SC_SERIALIZABLE: u8 = 0x02;

/// `new BasicBoltExecutor(bolt)` as Java serialization writes it. `executor` is storm-client's
/// BasicBoltExecutor; `bolt_chain` the bolt's class and its serializable superclasses, most
/// derived first (their first non-serializable superclass, Object, is not included).
pub fn basic_bolt_executor(
    executor: &ClassFile,
    bolt_chain: &[ClassFile],
) -> anyhow::Result<Vec<u8>> {
    let fields: Vec<&Member> = executor.serial_fields().collect();
    let [field] = fields.as_slice() else {
        anyhow::bail!(
            "{} has {} serializable fields; expected one (the wrapped bolt)",
            executor.java_name(),
            fields.len()
        );
    };
    if !field.descriptor.starts_with('L') || executor.declares_suid() {
        anyhow::bail!(
            "{} is not the BasicBoltExecutor this writer knows",
            executor.java_name()
        );
    }
    if bolt_chain.is_empty() {
        anyhow::bail!("no bolt class to serialize");
    }
    for c in bolt_chain {
        check_stateless(c)?;
    }
    let mut out = vec![0xAC, 0xED, 0x00, 0x05];
    out.push(TC_OBJECT);
    out.push(TC_CLASSDESC);
    write_utf(&mut out, &executor.java_name());
    out.extend_from_slice(&executor.serial_version_uid().to_be_bytes());
    out.push(SC_SERIALIZABLE);
    out.extend_from_slice(&1u16.to_be_bytes());
    out.push(b'L');
    write_utf(&mut out, &field.name);
    out.push(TC_STRING);
    write_utf(&mut out, &field.descriptor);
    out.push(TC_ENDBLOCKDATA);
    out.push(TC_NULL);
    // The executor's one field: the bolt, a new object with its class descriptor chain.
    out.push(TC_OBJECT);
    for c in bolt_chain {
        out.push(TC_CLASSDESC);
        write_utf(&mut out, &c.java_name());
        out.extend_from_slice(&c.serial_version_uid().to_be_bytes());
        out.push(SC_SERIALIZABLE);
        out.extend_from_slice(&0u16.to_be_bytes());
        out.push(TC_ENDBLOCKDATA);
    }
    out.push(TC_NULL);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(access: u16, name: &str, descriptor: &str) -> Member {
        Member {
            access,
            name: name.into(),
            descriptor: descriptor.into(),
        }
    }

    /// A class with a public no-arg constructor and nothing else.
    fn empty(name: &str) -> ClassFile {
        ClassFile {
            name: name.into(),
            access: ACC_PUBLIC | ACC_SYNCHRONIZED,
            super_name: Some("java/lang/Object".into()),
            interfaces: vec!["java/io/Serializable".into()],
            fields: vec![],
            methods: vec![member(ACC_PUBLIC, "<init>", "()V")],
        }
    }

    #[test]
    fn default_suid_hashes_name_modifiers_interfaces_and_members() {
        // The hash input for `public class p.A implements Serializable { public A() {} }`.
        let mut d = Vec::new();
        write_utf(&mut d, "p.A");
        d.extend_from_slice(&1u32.to_be_bytes());
        write_utf(&mut d, "java.io.Serializable");
        write_utf(&mut d, "<init>");
        d.extend_from_slice(&1u32.to_be_bytes());
        write_utf(&mut d, "()V");
        let h = Sha1::digest(&d);
        let expected = i64::from_le_bytes(h[..8].try_into().unwrap());
        assert_eq!(default_suid(&empty("p/A")), expected);
        // Private static fields and private methods do not count; a static initializer does.
        let mut c = empty("p/A");
        c.fields
            .push(member(ACC_PRIVATE | ACC_STATIC | ACC_FINAL, "LOG", "Lx/L;"));
        c.methods.push(member(ACC_PRIVATE, "helper", "()V"));
        assert_eq!(default_suid(&c), expected);
        c.methods.push(member(ACC_STATIC, "<clinit>", "()V"));
        assert_ne!(default_suid(&c), expected);
    }

    #[test]
    fn the_stream_wraps_the_bolt_in_the_executor() {
        let mut exec = empty("org/apache/storm/topology/BasicBoltExecutor");
        exec.fields.push(member(
            ACC_PRIVATE,
            "bolt",
            "Lorg/apache/storm/topology/IBasicBolt;",
        ));
        exec.fields.push(member(
            ACC_PRIVATE | ACC_TRANSIENT,
            "collector",
            "Lorg/apache/storm/topology/BasicOutputCollector;",
        ));
        let bolt = empty("p/Bolt");
        let bytes = basic_bolt_executor(&exec, std::slice::from_ref(&bolt)).unwrap();
        assert_eq!(&bytes[..6], &[0xAC, 0xED, 0, 5, TC_OBJECT, TC_CLASSDESC]);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("org.apache.storm.topology.BasicBoltExecutor"));
        assert!(text.contains("Lorg/apache/storm/topology/IBasicBolt;"));
        assert!(text.contains("p.Bolt"));
        assert!(!text.contains("collector"));
        assert_eq!(*bytes.last().unwrap(), TC_NULL);

        let mut stateful = empty("p/Stateful");
        stateful.fields.push(member(ACC_PRIVATE, "n", "I"));
        let e = basic_bolt_executor(&exec, &[stateful])
            .unwrap_err()
            .to_string();
        assert!(e.contains("instance state"), "{e}");
    }

    #[test]
    fn class_files_parse() {
        // A minimal class file: `public class A extends java/lang/Object`, no members.
        let mut c = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 61, 0, 5];
        for s in ["A", "java/lang/Object"] {
            c.push(1);
            c.extend_from_slice(&(s.len() as u16).to_be_bytes());
            c.extend_from_slice(s.as_bytes());
        }
        c.extend_from_slice(&[7, 0, 1, 7, 0, 2]);
        c.extend_from_slice(&[0, 0x21, 0, 3, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
        let parsed = ClassFile::parse(&c).unwrap();
        assert_eq!(parsed.name, "A");
        assert_eq!(parsed.super_name.as_deref(), Some("java/lang/Object"));
        assert!(ClassFile::parse(&c[..12]).is_err());
    }
}
