/*
 * gzip on Debian's static zlib: `gzip` compresses stdin to stdout, `gzip
 * -d` decompresses; the gzip format, so the host's gzip reads the output.
 */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define CHUNK (64u * 1024)

static unsigned char in[CHUNK], out[CHUNK];

/* Feeds stdin through deflate (or inflate, to decompress) and
 * writes what comes out. Returns 0, or 1 after printing why. */
static int pump(z_stream *zs, int decompress)
{
	int ret = Z_OK;

	do {
		zs->avail_in = (uInt)fread(in, 1, CHUNK, stdin);
		if (ferror(stdin)) {
			fputs("gzip: read error\n", stderr);
			return 1;
		}
		int eof = feof(stdin);

		if (decompress && zs->avail_in == 0 && ret != Z_STREAM_END) {
			fputs("gzip: unexpected end of input\n", stderr);
			return 1;
		}
		zs->next_in = in;
		do {
			zs->avail_out = CHUNK;
			zs->next_out = out;
			ret = decompress ? inflate(zs, Z_NO_FLUSH)
					 : deflate(zs,
						   eof ? Z_FINISH : Z_NO_FLUSH);
			if (ret == Z_STREAM_ERROR || ret == Z_DATA_ERROR ||
			    ret == Z_NEED_DICT || ret == Z_MEM_ERROR) {
				fprintf(stderr, "gzip: %s\n",
					zs->msg ? zs->msg : "stream error");
				return 1;
			}
			size_t have = CHUNK - zs->avail_out;

			if (fwrite(out, 1, have, stdout) != have) {
				fputs("gzip: write error\n", stderr);
				return 1;
			}
		} while (zs->avail_out == 0);
		if (decompress && ret == Z_STREAM_END)
			break;
		if (!decompress && eof)
			break;
	} while (1);
	return 0;
}

int main(int argc, char **argv)
{
	int decompress = argc == 2 && strcmp(argv[1], "-d") == 0;
	z_stream zs;
	int ret;

	if (argc > 2 || (argc == 2 && !decompress)) {
		fputs("usage: gzip [-d] <in >out\n", stderr);
		return 2;
	}
	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a window of 32 KiB with a gzip header and trailer. */
	ret = decompress ? inflateInit2(&zs, 15 + 16)
			 : deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
					15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (ret != Z_OK) {
		fputs("gzip: cannot initialise zlib\n", stderr);
		return 1;
	}
	ret = pump(&zs, decompress);
	if (decompress)
		inflateEnd(&zs);
	else
		deflateEnd(&zs);
	if (fflush(stdout) != 0) {
		fputs("gzip: write error\n", stderr);
		return 1;
	}
	return ret;
}
