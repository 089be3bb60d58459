/*
 * Linking against the vDSO at run time: given the base where this address
 * space maps the image, find each API function by name in its .dynsym (via
 * the SysV hash table) and fill the function table. Built into both the
 * kernel and the user runtime: "get base -> parse ELF -> find symbol -> call".
 */
#include <elf.h>
#include <string.h>
#include <vdsos/vdso.h>

struct vds_api vds; /* this address space's table */

const char *const vds_api_names[] = {
#define VDS_FN(ret, name, params) "vds_" #name,
#include <vdsos/api.def>
#undef VDS_FN
};

struct dyntab {
	const Elf64_Sym *sym;
	const char *str;
	const uint32_t *hash; /* nbucket, nchain, buckets[], chains[] */
	uint64_t strsz;
};

static int dyn_tables(uintptr_t base, struct dyntab *t)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr))
		return -VDS_ENOEXEC;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	size_t ndyn = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(base + ph[i].p_vaddr);
			ndyn = ph[i].p_memsz / sizeof(Elf64_Dyn);
		}
	}
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; dyn && i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		uintptr_t v = dyn[i].d_un.d_ptr;
		switch (dyn[i].d_tag) {
		case DT_HASH:
			t->hash = (const uint32_t *)(base + v);
			break;
		case DT_SYMTAB:
			t->sym = (const Elf64_Sym *)(base + v);
			break;
		case DT_STRTAB:
			t->str = (const char *)(base + v);
			break;
		case DT_STRSZ:
			t->strsz = v;
			break;
		}
	}
	return (t->hash && t->sym && t->str) ? 0 : -VDS_ENOEXEC;
}

/* The SysV ELF hash of a symbol name. */
static uint32_t elf_hash(const char *name)
{
	uint32_t h = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h = (h << 4) + *p;
		uint32_t g = h & 0xf0000000U;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

uintptr_t vds_lookup(uintptr_t base, const char *symbol)
{
	struct dyntab t;
	if (dyn_tables(base, &t) < 0)
		return 0;
	uint32_t nbucket = t.hash[0], nchain = t.hash[1];
	if (nbucket == 0)
		return 0;
	const uint32_t *bucket = t.hash + 2, *chain = bucket + nbucket;
	uint32_t i = bucket[elf_hash(symbol) % nbucket];
	for (uint32_t steps = 0; i != STN_UNDEF && i < nchain && steps < nchain; steps++) {
		const Elf64_Sym *s = &t.sym[i];
		if (s->st_name < t.strsz && strcmp(t.str + s->st_name, symbol) == 0 &&
		    s->st_shndx != SHN_UNDEF && ELF64_ST_TYPE(s->st_info) == STT_FUNC)
			return base + s->st_value;
		i = chain[i];
	}
	return 0;
}

int vds_link(uintptr_t base, struct vds_api *api, const char **missing)
{
	*missing = NULL;
#define VDS_FN(ret, name, params)                                  \
	api->name = (ret(*) params)vds_lookup(base, "vds_" #name); \
	if (api->name == NULL && *missing == NULL)                 \
		*missing = "vds_" #name;
#include <vdsos/api.def>
#undef VDS_FN
	return *missing ? -VDS_ENOENT : 0;
}
