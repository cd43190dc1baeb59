//! Text to [`Expr`]: a lexer and a precedence-climbing parser whose errors
//! give the byte where the expression goes wrong.

use super::{BinOp, Expr, FUNCTIONS, ParseError, Val};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Param(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |message: String, at: usize| ParseError { message, at };
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                out.push((Tok::LParen, i));
                i += 1;
            }
            b')' => {
                out.push((Tok::RParen, i));
                i += 1;
            }
            b',' => {
                out.push((Tok::Comma, i));
                i += 1;
            }
            b'0'..=b'9' | b'.' if c != b'.' || bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'_') {
                    i += 1;
                }
                let text: String = src[start..i].chars().filter(|c| *c != '_').collect();
                let n = text
                    .parse::<f64>()
                    .map_err(|_| err(format!("`{}` is not a number", &src[start..i]), start))?;
                out.push((Tok::Num(n), start));
            }
            b'\'' | b'"' => {
                let end = src[i + 1..]
                    .find(c as char)
                    .ok_or_else(|| err("this text is not closed".into(), start))?;
                out.push((Tok::Str(src[i + 1..i + 1 + end].to_string()), start));
                i += end + 2;
            }
            b'$' => {
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if i == start + 1 {
                    return Err(err("`$` must be followed by a param name".into(), start));
                }
                out.push((Tok::Param(src[start + 1..i].to_string()), start));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.')) {
                    i += 1;
                }
                out.push((Tok::Ident(src[start..i].to_string()), start));
            }
            _ => {
                let two = src.get(i..i + 2).unwrap_or("");
                let op = ["<=", ">=", "==", "!=", "??", "&&", "||"]
                    .into_iter()
                    .find(|o| *o == two)
                    .or_else(|| {
                        ["<", ">", "+", "-", "*", "/", "!"]
                            .into_iter()
                            .find(|o| o.as_bytes()[0] == c)
                    })
                    .ok_or_else(|| {
                        err(
                            format!("unexpected `{}`", &src[i..].chars().next().unwrap_or(' ')),
                            start,
                        )
                    })?;
                out.push((Tok::Op(op), start));
                i += op.len();
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }
    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.len, |(_, a)| *a)
    }
    fn err(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            at: self.at(),
        }
    }
    fn eat_op(&mut self, ops: &[&str]) -> Option<&'static str> {
        match self.peek() {
            Some(Tok::Op(o)) if ops.contains(o) => {
                let o = *o;
                self.pos += 1;
                Some(o)
            }
            Some(Tok::Ident(w)) => {
                let word = match w.as_str() {
                    "and" => "&&",
                    "or" => "||",
                    _ => return None,
                };
                if ops.contains(&word) {
                    self.pos += 1;
                    Some(word)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    fn binary(&mut self, level: usize) -> Result<Expr, ParseError> {
        const LEVELS: [&[&str]; 6] = [
            &["||"],
            &["&&"],
            &["==", "!=", "<", "<=", ">", ">="],
            &["??"],
            &["+", "-"],
            &["*", "/"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(op) = self.eat_op(LEVELS[level]) {
            let right = self.binary(level + 1)?;
            let op = match op {
                "||" => BinOp::Or,
                "&&" => BinOp::And,
                "==" => BinOp::Eq,
                "!=" => BinOp::Ne,
                "<" => BinOp::Lt,
                "<=" => BinOp::Lte,
                ">" => BinOp::Gt,
                ">=" => BinOp::Gte,
                "??" => BinOp::Coalesce,
                "+" => BinOp::Add,
                "-" => BinOp::Sub,
                "*" => BinOp::Mul,
                _ => BinOp::Div,
            };
            left = Expr::Bin(op, Box::new(left), Box::new(right));
            // `a < b < c` reads as a range but would compare a boolean.
            if level == 2 && self.eat_op(LEVELS[2]).is_some() {
                return Err(self.err("comparisons do not chain: write `a < b and b < c`"));
            }
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.eat_op(&["-"]).is_some() {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        if self.eat_op(&["!"]).is_some() || matches!(self.peek(), Some(Tok::Ident(w)) if w == "not") {
            if matches!(self.peek(), Some(Tok::Ident(_))) {
                self.pos += 1;
            }
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let Some((tok, _)) = self.toks.get(self.pos).cloned() else {
            return Err(self.err("the expression ends too early"));
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Lit(Val::Num(n))),
            Tok::Str(s) => Ok(Expr::Lit(Val::Text(s.into()))),
            Tok::Param(p) => Ok(Expr::Param(p)),
            Tok::LParen => {
                let e = self.binary(0)?;
                match self.peek() {
                    Some(Tok::RParen) => {
                        self.pos += 1;
                        Ok(e)
                    }
                    _ => Err(self.err("expected `)`")),
                }
            }
            Tok::Ident(name) => match name.as_str() {
                "true" => Ok(Expr::Lit(Val::Bool(true))),
                "false" => Ok(Expr::Lit(Val::Bool(false))),
                "null" => Ok(Expr::Lit(Val::Null)),
                _ if matches!(self.peek(), Some(Tok::LParen)) => {
                    self.pos -= 1;
                    if !FUNCTIONS.iter().any(|(f, _)| *f == name) {
                        let names: Vec<&str> = FUNCTIONS.iter().map(|(f, _)| *f).collect();
                        return Err(self.err(format!(
                            "unknown function `{name}`: {}",
                            crate::error::suggest(&name, &names)
                        )));
                    }
                    self.pos += 2;
                    let mut args = Vec::new();
                    if !matches!(self.peek(), Some(Tok::RParen)) {
                        loop {
                            args.push(self.binary(0)?);
                            match self.peek() {
                                Some(Tok::Comma) => self.pos += 1,
                                Some(Tok::RParen) => break,
                                _ => return Err(self.err("expected `,` or `)`")),
                            }
                        }
                    }
                    self.pos += 1;
                    Ok(Expr::Call(name, args))
                }
                _ => Ok(Expr::Name(name)),
            },
            Tok::Op(o) => {
                self.pos -= 1;
                Err(self.err(format!("unexpected `{o}`")))
            }
            Tok::RParen => {
                self.pos -= 1;
                Err(self.err("unexpected `)`"))
            }
            Tok::Comma => {
                self.pos -= 1;
                Err(self.err("unexpected `,`"))
            }
        }
    }
}

/// Parses an expression.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return Err(ParseError {
            message: "the expression is empty".into(),
            at: 0,
        });
    }
    let mut p = Parser {
        toks,
        pos: 0,
        len: src.len(),
    };
    let e = p.binary(0)?;
    if p.pos < p.toks.len() {
        return Err(p.err("unexpected text after the expression"));
    }
    Ok(e)
}
