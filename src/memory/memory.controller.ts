import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { AtPosition, RespondsWithStreamPosition } from '../events/stream-position';
import {
  CreateMemoryDto,
  DeleteMemoryQuery,
  ListMemoriesQuery,
  UpdateMemoryDto,
} from './memory.dto';
import {
  MemoryListResponse,
  MemoryResponse,
  toMemoryListResponse,
  toMemoryResponse,
} from './memory.response';
import { MemoryService } from './memory.service';

@ApiTags('memories')
@Controller('memories')
export class MemoryController {
  constructor(private readonly memories: MemoryService) {}

  @Post()
  @Authenticated('memories:write')
  @RespondsWithStreamPosition(201, MemoryResponse)
  async create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreateMemoryDto,
  ): Promise<AtPosition<MemoryResponse>> {
    return AtPosition.of(await this.memories.create(caller, body), toMemoryResponse);
  }

  @Get()
  @Authenticated('memories:read')
  @RespondsWithStreamPosition(200, MemoryListResponse)
  async list(
    @CurrentCaller() caller: Caller,
    @Query() query: ListMemoriesQuery,
  ): Promise<AtPosition<MemoryListResponse>> {
    const listed = await this.memories.list(caller, query);
    return AtPosition.of(listed, (page) => toMemoryListResponse(page, query, listed.position));
  }

  @Get(':id')
  @Authenticated('memories:read')
  @RespondsWithStreamPosition(200, MemoryResponse)
  async get(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
  ): Promise<AtPosition<MemoryResponse>> {
    return AtPosition.of(await this.memories.get(caller, id), toMemoryResponse);
  }

  @Patch(':id')
  @Authenticated('memories:write')
  @RespondsWithStreamPosition(200, MemoryResponse)
  async update(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() body: UpdateMemoryDto,
  ): Promise<AtPosition<MemoryResponse>> {
    return AtPosition.of(await this.memories.update(caller, id, body), toMemoryResponse);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated('memories:write')
  @RespondsWithStreamPosition(204)
  async delete(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Query() query: DeleteMemoryQuery,
  ): Promise<AtPosition<void>> {
    return AtPosition.of(await this.memories.delete(caller, id, query.reason), () => undefined);
  }
}
